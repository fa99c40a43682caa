namespace Twa.Kubernetes.Client;

/// <summary>Request behaviour of <see cref="KubernetesClient"/>: retries of throttled/unavailable responses and timeouts.</summary>
public sealed record KubernetesClientOptions
{
    /// <summary>Total attempts per request, including the first, for 429 and 5xx-with-Retry-After responses (default 5).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First backoff when a 429 carries no Retry-After; doubles per attempt (default 200 ms).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap on any single wait, whatever Retry-After asks for (default 10 s).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of each non-watch request attempt (default 60 s). Watches are bounded by their timeoutSeconds instead.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>User-Agent header.</summary>
    public string UserAgent { get; init; } = "twa-operator";
}
