using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Twa.Jobs.Operator;
using Twa.Training.Stores;

namespace Twa.Training.Distributed;

/// <summary>
/// The trainer's view of the operator's membership record (OPERATOR.md 3.3, 4.3 step 1): a background watcher that
/// subscribes to <c>&lt;prefix&gt;membership:changed</c> and also polls the record every <see cref="PollInterval"/>,
/// keeping the newest valid generation of this job. Records carrying another <c>jobUID</c>, or that do not parse, are
/// ignored with one log line each. While Redis is unreachable the last generation is kept (one line when the outage
/// starts, one when it ends), so a step never waits on Redis: <see cref="Latest"/> is a field read. Also sets this
/// rank's join marker of a generation, waits for the others' (step 2), and stores rank 0's result. Thread-safe; owns
/// its watcher thread and subscription, not the connection.
/// </summary>
public sealed class RedisMembership : IDisposable
{
    private readonly RedisConnection _redis;
    private readonly string _prefix;
    private readonly string _jobUid;
    private readonly Action<string> _log;
    private readonly RedisChannel _channel;
    private readonly SemaphoreSlim _poke = new(0);
    private readonly object _gate = new(); // Monitor.Wait/PulseAll: waiters for a newer generation
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly Thread _watcher;
    private volatile MembershipGeneration? _latest;
    private volatile bool _disposed;
    private Stopwatch? _outage;

    /// <summary>Starts watching the record of the job with key prefix <paramref name="prefix"/> and UID
    /// <paramref name="jobUid"/>.</summary>
    /// <param name="redis">The process's connection (not owned).</param>
    /// <param name="prefix">The job's key prefix.</param>
    /// <param name="jobUid">The job's UID (TWA_JOB_UID); records with another UID are ignored.</param>
    /// <param name="log">Receives the watcher's lines (ignored records, outages).</param>
    /// <param name="pollInterval">Poll period besides the notifications (default 1 s, OPERATOR.md 3.3).</param>
    public RedisMembership(RedisConnection redis, JobKeyPrefix prefix, string jobUid, Action<string> log, TimeSpan? pollInterval = null)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentException.ThrowIfNullOrEmpty(jobUid);
        _prefix = prefix.Value;
        _jobUid = jobUid;
        _log = log ?? throw new ArgumentNullException(nameof(log));
        PollInterval = pollInterval ?? TimeSpan.FromSeconds(1);
        _channel = RedisChannel.Literal(MembershipKeys.Channel(_prefix));
        try
        {
            _redis.Subscriber.Subscribe(_channel, (_, _) => Poke());
        }
        catch (Exception e) when (RedisConnection.IsTransient(e))
        {
            _log($"membership: cannot subscribe to {_channel} yet ({e.Message}); polling every {PollInterval.TotalSeconds:0.#} s");
        }

        _watcher = new Thread(Watch) { IsBackground = true, Name = "twa-membership" };
        _watcher.Start();
    }

    public TimeSpan PollInterval { get; }

    /// <summary>The newest generation seen (0 before the first). A field read: safe to call after every step.</summary>
    public int Latest => _latest?.Number ?? 0;

    /// <summary>The newest generation seen, or null.</summary>
    public MembershipGeneration? Current => _latest;

    /// <summary>Blocks until a generation newer than <paramref name="after"/> is seen, calling
    /// <paramref name="heartbeat"/> at every poll (the agent loop is alive while it waits).</summary>
    /// <exception cref="TimeoutException">None within <paramref name="timeout"/> (null = wait forever).</exception>
    public MembershipGeneration WaitNewer(int after, TimeSpan? timeout = null, Action? heartbeat = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_latest is { } g && g.Number > after)
            {
                return g;
            }

            if (timeout is { } t && clock.Elapsed > t)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"no membership generation after {after} in {MembershipKeys.Record(_prefix)} within {t.TotalSeconds:0.#} s"));
            }

            heartbeat?.Invoke();
            lock (_gate)
            {
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>Step 2: marks rank <paramref name="rank"/> (pod <paramref name="pod"/>) as joined to
    /// <paramref name="generation"/>, with a time to live of <paramref name="ttl"/>.</summary>
    public void MarkJoined(int generation, int rank, string pod, TimeSpan ttl) =>
        _redis.Run("membership join", db => db.StringSet(MembershipKeys.Joined(_prefix, generation, rank), pod, ttl));

    /// <summary>Step 2: waits until all <see cref="MembershipGeneration.WorldSize"/> ranks of <paramref name="g"/> set
    /// their join marker. False when <paramref name="timeout"/> passed first, or a newer generation appeared (then the
    /// caller moves on to it).</summary>
    public bool WaitJoined(MembershipGeneration g, TimeSpan timeout, Action? heartbeat = null)
    {
        ArgumentNullException.ThrowIfNull(g);
        var keys = Enumerable.Range(0, g.WorldSize).Select(r => (RedisKey)MembershipKeys.Joined(_prefix, g.Number, r)).ToArray();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Latest > g.Number)
            {
                return false;
            }

            if (_redis.Run("membership rendezvous", db => db.KeyExists(keys)) == keys.Length)
            {
                return true;
            }

            heartbeat?.Invoke();
            Thread.Sleep(50);
        }

        return false;
    }

    /// <summary>Rank 0: stores the finished job's metrics.json text at <c>&lt;prefix&gt;result</c>.</summary>
    public void PutResult(string metricsJson) =>
        _redis.Run("store result", db => db.StringSet(MembershipKeys.Result(_prefix), metricsJson));

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Poke();
        _watcher.Join(TimeSpan.FromSeconds(5));
        try
        {
            _redis.Subscriber.Unsubscribe(_channel);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The connection is going away with the process.
        }

        _poke.Dispose();
    }

    private void Poke()
    {
        try
        {
            _poke.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Watch()
    {
        while (!_disposed)
        {
            Refresh();
            try
            {
                _poke.Wait(PollInterval);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private void Refresh()
    {
        RedisValue value;
        try
        {
            value = _redis.Database.StringGet(MembershipKeys.Record(_prefix));
        }
        catch (Exception e) when (RedisConnection.IsTransient(e) || e is RedisException or ObjectDisposedException)
        {
            if (_outage is null && !_disposed)
            {
                _outage = Stopwatch.StartNew();
                _log($"membership: redis at {_redis.Endpoint} unavailable ({e.Message.ReplaceLineEndings(" ")}); keeping generation {Latest} and retrying");
            }

            return;
        }

        if (_outage is { } outage)
        {
            _log(string.Create(CultureInfo.InvariantCulture, $"membership: redis back after {outage.Elapsed.TotalSeconds:0.0} s"));
            _outage = null;
        }

        if (value.IsNullOrEmpty)
        {
            return;
        }

        MembershipGeneration? g;
        try
        {
            g = Parse(MembershipRecord.FromJson(value.ToString()));
        }
        catch (FormatException e)
        {
            IgnoreOnce($"membership: ignoring the record in {MembershipKeys.Record(_prefix)}: {e.Message}");
            return;
        }

        if (g is null)
        {
            return;
        }

        if (g.Number > Latest)
        {
            _latest = g;
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private MembershipGeneration? Parse(MembershipRecord record)
    {
        if (!string.Equals(record.JobUid, _jobUid, StringComparison.Ordinal))
        {
            IgnoreOnce($"membership: ignoring a record of job UID {record.JobUid} (this pod belongs to {_jobUid})");
            return null;
        }

        if (record.Generation is < 1 or > int.MaxValue)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"generation {record.Generation} is out of range"));
        }

        var members = record.Members.OrderBy(m => m.Ordinal).ToArray();
        for (var i = 0; i < members.Length; i++)
        {
            if (members[i].Rank != i || (i > 0 && members[i].Ordinal == members[i - 1].Ordinal))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"generation {record.Generation}: ranks must be dense and follow the ordinals (member {members[i].Pod} has rank {members[i].Rank}, expected {i})"));
            }
        }

        if (members.Length > 0 && record.Store is null)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"generation {record.Generation} has members but no store endpoint"));
        }

        return new MembershipGeneration((int)record.Generation, [.. members.Select(m => m.Ordinal)], record.PublishedTime.ToUnixTimeMilliseconds())
        {
            StoreHost = record.Store?.Host,
            StorePort = record.Store?.Port ?? 0,
            Reason = record.Reason,
        };
    }

    private void IgnoreOnce(string line)
    {
        if (_ignored.Add(line))
        {
            _log(line);
        }
    }
}
