namespace Twa.Training.Stores;

/// <summary>
/// How to reach Redis and how patiently to wait for it. Immutable. Built by <see cref="StoreUri.Parse"/> from
/// <c>redis://[[user]:password@]host[:port][,host2[:port]...][/db]</c> (<c>rediss://</c> = TLS), or directly.
/// </summary>
public sealed record RedisStoreOptions
{
    /// <summary>"host:port" entries (at least one); the first reachable primary serves the store.</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>ACL user name (Redis 6+); null for the default user.</summary>
    public string? User { get; init; }

    /// <summary>Password (e.g. from the job's Secret via TWA_REDIS_PASSWORD); null when Redis has none.</summary>
    public string? Password { get; init; }

    /// <summary>Connect with TLS (the <c>rediss://</c> scheme or TWA_REDIS_TLS=true).</summary>
    public bool Tls { get; init; }

    /// <summary>Server name to validate the TLS certificate against (default: the endpoint's host).</summary>
    public string? TlsHost { get; init; }

    /// <summary>PEM file of the CA that signed the server's TLS certificate (a private CA, e.g. cert-manager's); when
    /// set, the server certificate must chain to it. Null: the system trust store decides.</summary>
    public string? TlsCaCertificatePath { get; init; }

    /// <summary>Logical database (0-based).</summary>
    public int Database { get; init; }

    /// <summary>How long the first connection may take before <see cref="StoreUnavailableException"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one command may take (large chunks included) before it counts as failed and is retried.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a store call keeps retrying transient failures (connection lost, server loading its
    /// data after a restart, timeouts) before it throws <see cref="StoreUnavailableException"/>.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>First pause between retries; doubled after each failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Chunk size of stored values in bytes (a positive multiple of 8; default 1 MiB).</summary>
    public int ChunkBytes { get; init; } = 1 << 20;

    /// <summary>Receives one line when Redis becomes unavailable and one when it is back; may be null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The endpoints as one string, for messages ("host:port,host2:port").</summary>
    public string EndpointText => string.Join(",", Endpoints);
}
