using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>spec.redis</c>: the store holding snapshots, committed state and membership. Unused by local
/// <c>twa train</c>. Without an address the operator uses the Redis installed by its Helm chart.</summary>
public sealed record RedisSpec
{
    /// <summary>host:port of the Redis server, e.g. redis.ml.svc:6379.</summary>
    [MaxLength(512)]
    public string? Address { get; init; }

    /// <summary>Secret key holding the Redis password; reaches the pods through secretKeyRef.</summary>
    public SecretKeyRef? PasswordSecretRef { get; init; }

    /// <summary>Connect with TLS.</summary>
    public bool Tls { get; init; }

    /// <summary>Redis logical database number.</summary>
    [Range(Minimum = 0)]
    public int Database { get; init; }
}
