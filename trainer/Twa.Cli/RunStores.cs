using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>
/// The stores of one `twa train` / `twa worker` process, from <c>--store</c>: a directory (or none: OUT/snapshots and
/// OUT/state, today's layout) or <c>redis://</c> / <c>rediss://</c>, where snapshots and committed state both live
/// under the run's <see cref="JobKeyPrefix"/> (<c>twa:local:{job}:{run-id}:</c>). The Redis password comes from
/// TWA_REDIS_PASSWORD when set, else from the URI. Opening Redis checks it answers: a dead endpoint is one
/// <see cref="StoreUnavailableException"/> naming it. Owns the connection (dispose after the run); not thread-safe to
/// dispose while a run uses it.
/// </summary>
internal sealed class RunStores : IDisposable
{
    /// <summary>The environment variable holding the Redis password (overrides the URI's).</summary>
    public const string PasswordVariable = "TWA_REDIS_PASSWORD";

    private readonly JobStore? _redis;

    private RunStores(string? directory, JobStore? redis, JobKeyPrefix? prefix)
    {
        Directory = directory;
        _redis = redis;
        Prefix = prefix;
    }

    /// <summary>The snapshot directory given with --store (null: OUT/snapshots, or Redis).</summary>
    public string? Directory { get; }

    /// <summary>The run's key prefix in Redis; null for local stores.</summary>
    public JobKeyPrefix? Prefix { get; }

    public bool IsRedis => _redis is not null;

    /// <summary>The Redis connection (membership of a worker pod); null for local stores.</summary>
    public RedisConnection? Connection => _redis?.Redis;

    /// <summary>True when <paramref name="store"/> names Redis rather than a directory.</summary>
    public static bool IsRedisUri(string? store) => store is not null && StoreUri.Parse(store).IsRedis;

    /// <summary>Opens <paramref name="store"/> (null = local defaults). For Redis, <paramref name="prefix"/> is the run's
    /// key prefix (required); <paramref name="log"/> receives the outage and recovery lines of the retry policy.</summary>
    /// <exception cref="FormatException">The store text is invalid.</exception>
    /// <exception cref="StoreUnavailableException">Redis cannot be reached.</exception>
    public static RunStores Open(string? store, JobKeyPrefix? prefix, Action<string> log)
    {
        if (store is null)
        {
            return new RunStores(null, null, null);
        }

        var location = StoreUri.Parse(store);
        if (!location.IsRedis)
        {
            return new RunStores(location.Directory, null, null);
        }

        ArgumentNullException.ThrowIfNull(prefix);
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        var opened = JobStore.Open(store, prefix, string.IsNullOrEmpty(password) ? null : password, log);
        return new RunStores(null, opened, prefix);
    }

    /// <summary>The password a worker process needs (TWA_REDIS_PASSWORD, else the URI's); null when none.</summary>
    public static string? PasswordOf(string store)
    {
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        return string.IsNullOrEmpty(password) ? StoreUri.Parse(store).Redis?.Password : password;
    }

    /// <summary><paramref name="options"/> with this process's stores.</summary>
    public RunOptions Apply(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return _redis is { } r
            ? options with { StoreDirectory = null, Snapshots = r.Snapshots, State = r.State, StateLocation = $"{r.Location} under {Prefix}" }
            : options with { StoreDirectory = Directory };
    }

    public void Dispose() => _redis?.Dispose();
}
