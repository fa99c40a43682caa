using System.Globalization;
using System.Text.Json;

namespace Twa.Operator.Runtime;

/// <summary>Structured log lines (one JSON object per line: <c>ts</c>, <c>level</c>, <c>msg</c>, then the given
/// fields such as <c>namespace</c>, <c>name</c>) written to a <see cref="TextWriter"/>. Thread-safe: each line is
/// written under a lock.</summary>
public sealed class OperatorLog
{
    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    /// <summary>Creates a log writing lines of at least <paramref name="minimum"/> level to <paramref name="writer"/>
    /// (not owned).</summary>
    public OperatorLog(TextWriter writer, LogLevel minimum = LogLevel.Info)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        Minimum = minimum;
    }

    /// <summary>A log that drops everything.</summary>
    public static OperatorLog None { get; } = new(TextWriter.Null, LogLevel.Off);

    public LogLevel Minimum { get; }

    public void Debug(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Debug, message, fields);

    public void Info(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Info, message, fields);

    public void Warn(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Warn, message, fields);

    public void Error(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Error, message, fields);

    /// <summary>Parses a level name (debug, info, warn/warning, error; case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static LogLevel ParseLevel(string text) => text.Trim().ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" or "" => LogLevel.Info,
        "WARN" or "WARNING" => LogLevel.Warn,
        "ERROR" => LogLevel.Error,
        _ => throw new ArgumentException($"unknown log level '{text}'; use debug, info, warn or error", nameof(text)),
    };

    private void Write(LogLevel level, string message, (string Key, object? Value)[] fields)
    {
        if (level < Minimum)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("ts", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("level", level.ToString().ToLowerInvariant());
            json.WriteString("msg", message);
            foreach (var (key, value) in fields)
            {
                json.WriteString(key, value switch
                {
                    null => null,
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                });
            }

            json.WriteEndObject();
        }

        var line = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        lock (_lock)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }
}
