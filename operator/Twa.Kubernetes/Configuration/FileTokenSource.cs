namespace Twa.Kubernetes.Configuration;

/// <summary>
/// A token read from a file and re-read once <see cref="RefreshInterval"/> has passed since the last read
/// (projected service-account tokens rotate; the kubelet rewrites the file). If a re-read fails the last
/// good token is kept, so a transient error does not break requests. Thread-safe.
/// </summary>
public sealed class FileTokenSource : IBearerTokenSource
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private string? _token;
    private DateTimeOffset _readAt;

    /// <param name="path">The token file.</param>
    /// <param name="refreshInterval">How long a read token is used before the file is read again (client-go uses one minute).</param>
    /// <param name="time">Clock; <see cref="TimeProvider.System"/> when null.</param>
    public FileTokenSource(string path, TimeSpan refreshInterval, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        RefreshInterval = refreshInterval;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The token file.</summary>
    public string Path { get; }

    /// <summary>How long a read token is reused.</summary>
    public TimeSpan RefreshInterval { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The file could never be read, or it is empty.</exception>
    public string GetToken()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_token is not null && now - _readAt < RefreshInterval)
            {
                return _token;
            }

            try
            {
                var text = File.ReadAllText(Path).Trim();
                if (text.Length == 0)
                {
                    throw new InvalidOperationException($"The token file '{Path}' is empty.");
                }

                _token = text;
                _readAt = now;
            }
            catch (Exception e) when (_token is not null && e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Keep the last good token; try again on the next call.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"Cannot read the bearer token file '{Path}': {e.Message}", e);
            }

            return _token;
        }
    }
}
