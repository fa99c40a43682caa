namespace Twa.Training.Stores;

/// <summary>
/// A job's snapshot store and state store opened from one <see cref="StoreLocation"/> (the factory behind
/// `twa train --store` and TWA_STORE). For a directory DIR: snapshots in DIR, state in DIR/state. For Redis:
/// both under the job's <see cref="JobKeyPrefix"/>, sharing one <see cref="RedisConnection"/>. Disposing closes
/// the connection; the stores must not be used afterwards. Thread-safe.
/// </summary>
public sealed class JobStore : IDisposable
{
    private JobStore(ISnapshotStore snapshots, IStateStore state, RedisConnection? redis, StoreLocation location)
    {
        Snapshots = snapshots;
        State = state;
        Redis = redis;
        Location = location;
    }

    public ISnapshotStore Snapshots { get; }

    public IStateStore State { get; }

    /// <summary>The Redis connection (for membership and prefix cleanup); null for a local directory.</summary>
    public RedisConnection? Redis { get; }

    public StoreLocation Location { get; }

    /// <summary>Parses <paramref name="store"/> (see <see cref="StoreUri.Parse"/>) and opens it.</summary>
    /// <param name="store">A directory path or a redis:// / rediss:// URI.</param>
    /// <param name="prefix">The job's key prefix (used by Redis only).</param>
    /// <param name="password">Overrides the URI's password when not null (e.g. TWA_REDIS_PASSWORD).</param>
    /// <param name="log">Receives the store's outage/recovery lines.</param>
    /// <exception cref="FormatException">The store text is invalid.</exception>
    /// <exception cref="StoreUnavailableException">Redis cannot be reached.</exception>
    public static JobStore Open(string store, JobKeyPrefix prefix, string? password = null, Action<string>? log = null)
    {
        var location = StoreUri.Parse(store);
        if (location.Redis is { } r)
        {
            location = location with { Redis = r with { Password = password ?? r.Password, Log = log ?? r.Log } };
        }

        return Open(location, prefix);
    }

    /// <summary>Opens the stores at <paramref name="location"/>; the caller owns the result.</summary>
    public static JobStore Open(StoreLocation location, JobKeyPrefix prefix)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(prefix);
        if (location.Redis is { } options)
        {
            var redis = RedisConnection.Connect(options);
            return new JobStore(new RedisSnapshotStore(redis, prefix), new RedisStateStore(redis, prefix), redis, location);
        }

        var dir = location.Directory ?? throw new ArgumentException("the store location has neither a directory nor Redis options", nameof(location));
        return new JobStore(new LocalSnapshotStore(dir), new LocalStateStore(Path.Combine(dir, "state")), null, location);
    }

    public void Dispose() => Redis?.Dispose();
}
