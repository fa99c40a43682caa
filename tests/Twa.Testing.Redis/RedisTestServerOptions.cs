namespace Twa.Testing.Redis;

/// <summary>How a <see cref="RedisTestServer"/> runs. The defaults are a plain server without persistence and
/// without a password, which is what most tests want. Immutable.</summary>
public sealed record RedisTestServerOptions
{
    /// <summary>appendonly yes with appendfsync always, so that a SIGKILL (<see cref="RedisTestServer.Kill"/>) loses
    /// no acknowledged write and a restart (<see cref="RedisTestServer.Restart"/>) on the same data directory brings every
    /// key back: for outage tests. Off: no persistence at all (neither RDB nor AOF).</summary>
    public bool AppendOnly { get; init; }

    /// <summary>requirepass: clients must AUTH with this password. Null: none.</summary>
    public string? Password { get; init; }

    /// <summary>Speak only TLS on the port, with a certificate for localhost/127.0.0.1 signed by a new test CA
    /// (<see cref="RedisTestServer.Tls"/>); clients are not asked for certificates.</summary>
    public bool Tls { get; init; }

    /// <summary>cluster-enabled yes: a one-node Redis Cluster that owns every hash slot (assigned once the server
    /// answers), as a client pointed at a cluster sees it.</summary>
    public bool Cluster { get; init; }
}
