namespace Twa.Training.Stores;

/// <summary>Where a job's snapshots and state live, as parsed by <see cref="StoreUri.Parse"/>: a local directory
/// (<see cref="Directory"/> set) or Redis (<see cref="Redis"/> set). Immutable.</summary>
public sealed record StoreLocation
{
    /// <summary>The local directory (snapshots in it, committed state in its "state" subdirectory); null for Redis.</summary>
    public string? Directory { get; init; }

    /// <summary>The Redis connection options; null for a local directory.</summary>
    public RedisStoreOptions? Redis { get; init; }

    public bool IsRedis => Redis is not null;

    /// <summary>A description without the password, for logs.</summary>
    public override string ToString() =>
        Redis is { } r ? $"{(r.Tls ? "rediss" : "redis")}://{r.EndpointText}/{r.Database}" : $"directory {Directory}";
}
