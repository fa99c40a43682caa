using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Twa.Training.Stores;

/// <summary>
/// One connection to Redis shared by a process's stores (and later membership), with the retry policy: a
/// transient failure (connection lost, server restarting or loading its data, timeout) pauses the caller and
/// retries with exponential backoff for up to <see cref="RedisStoreOptions.RetryBudget"/>, logging one line
/// when the outage starts and one when Redis is back; past the budget the call throws
/// <see cref="StoreUnavailableException"/> naming the endpoint. Chunk reads use pooled bulk-read connections of their
/// own (<see cref="RespBulkReader"/>) under the same policy. Thread-safe; owns the multiplexer and those connections.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    /// <summary>Idle bulk-read connections kept for reuse (more than this many readers at once are closed after use).</summary>
    private const int IdleBulkReaders = 4;

    private readonly ConnectionMultiplexer _mux;
    private readonly Lock _outageLock = new();
    private readonly Lock _bulkLock = new();
    private readonly List<RespBulkReader> _idleBulkReaders = [];
    private bool _disposed;
    private Stopwatch? _outage;

    private RedisConnection(RedisStoreOptions options, ConnectionMultiplexer mux)
    {
        Options = options;
        _mux = mux;
        Database = mux.GetDatabase(options.Database);
    }

    public RedisStoreOptions Options { get; }

    /// <summary>The endpoint(s), for messages.</summary>
    public string Endpoint => Options.EndpointText;

    /// <summary>The database the stores use. Prefer <see cref="Run{T}"/>, which retries transient failures.</summary>
    public IDatabase Database { get; }

    /// <summary>Connects and checks the server answers (PING) within <see cref="RedisStoreOptions.ConnectTimeout"/>.
    /// The caller owns the result.</summary>
    /// <exception cref="StoreUnavailableException">Redis is not reachable, or refuses the credentials.</exception>
    /// <exception cref="StoreUnsupportedException">It is a Redis Cluster node.</exception>
    public static RedisConnection Connect(RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one Redis endpoint is required", nameof(options));
        }

        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new LinearRetry(250),
            ConnectRetry = 2,
            ConnectTimeout = Millis(options.ConnectTimeout),
            SyncTimeout = Millis(options.OperationTimeout),
            AsyncTimeout = Millis(options.OperationTimeout),
            DefaultDatabase = options.Database,
            User = options.User,
            Password = options.Password,
            Ssl = options.Tls,
            SslHost = options.TlsHost,
            ClientName = "twa",
        };
        foreach (var endpoint in options.Endpoints)
        {
            config.EndPoints.Add(endpoint);
        }

        if (options.TlsCaCertificatePath is { } ca)
        {
            if (!File.Exists(ca))
            {
                throw new FileNotFoundException($"the TLS CA certificate {ca} (RedisStoreOptions.TlsCaCertificatePath) does not exist", ca);
            }

            config.TrustIssuer(ca);
        }

        ConnectionMultiplexer mux;
        try
        {
            mux = ConnectionMultiplexer.Connect(config);
        }
        catch (Exception e) when (e is RedisException or ArgumentException)
        {
            throw new StoreUnavailableException(options.EndpointText, $"cannot connect to redis at {options.EndpointText}: {e.Message}", e);
        }

        var connection = new RedisConnection(options, mux);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                connection.Database.Ping();
                connection.RefuseCluster();
                return connection;
            }
            catch (Exception e) when (IsTransient(e) && clock.Elapsed < options.ConnectTimeout)
            {
                Thread.Sleep(100);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                connection.Dispose();
                var message = IsAuthFailure(e)
                    ? $"redis at {options.EndpointText} refused the credentials ({FirstLine(e.Message)}); check the password (TWA_REDIS_PASSWORD or the store URI)"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"redis at {options.EndpointText} did not answer within {options.ConnectTimeout.TotalSeconds:0.#} s ({FirstLine(e.Message)}); check the store URI and that redis-server is running and reachable");
                throw new StoreUnavailableException(options.EndpointText, message, e);
            }
        }
    }

    /// <summary>Disposes the connection and throws <see cref="StoreUnsupportedException"/> when a server it reached is
    /// a Redis Cluster node. The stores commit a job's keys together in Lua scripts, and a cluster rejects a script whose
    /// keys lie in different hash slots: without this check the run would start and fail at its first commit.</summary>
    private void RefuseCluster()
    {
        if (!_mux.GetServers().Any(s => s.IsConnected && s.ServerType == ServerType.Cluster))
        {
            return;
        }

        Dispose();
        throw new StoreUnsupportedException(Options.EndpointText,
            $"redis at {Options.EndpointText} is a Redis Cluster node; the snapshot store needs a standalone Redis primary: " +
            "it commits a job's keys together in Lua scripts, which a cluster refuses across hash slots");
    }

    /// <summary>Runs <paramref name="operation"/> against <see cref="Database"/>, retrying transient failures as
    /// described on the class. <paramref name="what"/> names the operation in messages. The operation must be
    /// safe to run again from the start.</summary>
    public T Run<T>(string what, Func<IDatabase, T> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var clock = Stopwatch.StartNew();
        var backoff = Options.InitialBackoff;
        while (true)
        {
            try
            {
                var result = operation(Database);
                EndOutage();
                return result;
            }
            catch (Exception e) when (IsTransient(e))
            {
                StartOutage(what, e);
                if (clock.Elapsed + backoff > Options.RetryBudget)
                {
                    throw new StoreUnavailableException(Endpoint, string.Create(CultureInfo.InvariantCulture,
                        $"redis at {Endpoint} stayed unavailable for {clock.Elapsed.TotalSeconds:0.#} s during {what} ({e.Message}); check that redis-server is running and reachable"), e);
                }

                Thread.Sleep(backoff);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, Options.MaxBackoff.Ticks));
            }
            catch (Exception e) when (IsAuthFailure(e))
            {
                throw new StoreUnavailableException(Endpoint,
                    $"redis at {Endpoint} refused the credentials during {what} ({FirstLine(e.Message)}); check the password (TWA_REDIS_PASSWORD or the store URI)", e);
            }
        }
    }

    /// <summary>Deletes every key starting with <paramref name="prefix"/> (SCAN with MATCH, then UNLINK in batches of
    /// <paramref name="batchSize"/>) on every primary; returns the number of keys removed. Keys created while it runs
    /// may survive. Used by the operator's finalizer with a job's <see cref="JobKeyPrefix.Value"/>.</summary>
    /// <exception cref="ArgumentException">The prefix is not a job prefix "twa:...:" (guards against deleting everything).</exception>
    public long DeletePrefix(string prefix, int batchSize = 500)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!prefix.StartsWith("twa:", StringComparison.Ordinal) || !prefix.EndsWith(':') || prefix.Count(c => c == ':') < 4)
        {
            throw new ArgumentException($"'{prefix}' is not a job key prefix 'twa:NAMESPACE:JOB:UID:'; refusing to delete", nameof(prefix));
        }

        var pattern = EscapeGlob(prefix) + "*";
        return Run($"delete {prefix}*", db =>
        {
            long deleted = 0;
            foreach (var server in _mux.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                var batch = new List<RedisKey>(batchSize);
                foreach (var key in server.Keys(Options.Database, pattern, pageSize: 1000))
                {
                    batch.Add(key);
                    if (batch.Count == batchSize)
                    {
                        deleted += Unlink(db, batch);
                    }
                }

                deleted += Unlink(db, batch);
            }

            return deleted;
        });
    }

    /// <summary>How long an idle bulk-read connection may wait for its next use. Older ones are closed and replaced:
    /// a connection that a firewall or NAT dropped silently (no FIN, no RST) still looks open, and reusing it would
    /// cost an operation timeout and a retry. Reconnecting takes about a millisecond.</summary>
    internal TimeSpan BulkReaderMaxIdle { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The pub/sub side of the connection (membership change notifications).</summary>
    public ISubscriber Subscriber => _mux.GetSubscriber();

    public void Dispose()
    {
        lock (_bulkLock)
        {
            _disposed = true;
            _idleBulkReaders.ForEach(r => r.Dispose());
            _idleBulkReaders.Clear();
        }

        _mux.Dispose();
    }

    /// <summary>A bulk-read connection (see <see cref="RespBulkReader"/>) to the server that serves
    /// <paramref name="key"/>: an idle one when there is one, else a new one. Give it back with
    /// <see cref="ReturnBulkReader"/> after a complete exchange, or dispose it after a failure. Call inside
    /// <see cref="Run{T}"/>: its failures are the transient ones that retries cover.</summary>
    internal RespBulkReader RentBulkReader(RedisKey key)
    {
        var endPoint = Database.IdentifyEndpoint(key)
            ?? throw new RespException($"no connected redis server at {Endpoint} serves {key}", transient: true);
        lock (_bulkLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var i = _idleBulkReaders.Count - 1; i >= 0; i--)
            {
                var idle = _idleBulkReaders[i];
                _idleBulkReaders.RemoveAt(i);
                if (idle.EndPoint.Equals(endPoint) && Stopwatch.GetElapsedTime(idle.IdleSince) < BulkReaderMaxIdle && idle.IsIdleAndOpen())
                {
                    return idle;
                }

                idle.Dispose(); // idle too long, closed by a server restart, or a failover moved the primary
            }
        }

        return RespBulkReader.Connect(Options, endPoint);
    }

    /// <summary>Keeps <paramref name="reader"/> for reuse; it must have consumed every reply it asked for.</summary>
    internal void ReturnBulkReader(RespBulkReader reader)
    {
        lock (_bulkLock)
        {
            if (!_disposed && _idleBulkReaders.Count < IdleBulkReaders)
            {
                reader.IdleSince = Stopwatch.GetTimestamp();
                _idleBulkReaders.Add(reader);
                return;
            }
        }

        reader.Dispose();
    }

    /// <summary>True for failures worth retrying: lost or missing connection, timeouts, and server replies that mean
    /// "not now" (LOADING after a restart, BUSY, TRYAGAIN, MASTERDOWN, READONLY during a failover).</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        _ when IsAuthFailure(e) => false,
        RedisConnectionException or RedisTimeoutException or TimeoutException or IncompleteWriteException => true,
        RedisServerException s => IsTransientReply(s.Message),
        RespException r => r.Transient,
        _ => false,
    };

    /// <summary>True for error replies that mean "not now": LOADING after a restart, BUSY, TRYAGAIN, MASTERDOWN,
    /// READONLY during a failover, NOSCRIPT after a restart without persistence.</summary>
    internal static bool IsTransientReply(string reply) =>
        reply.StartsWith("LOADING", StringComparison.Ordinal)
        || reply.StartsWith("BUSY", StringComparison.Ordinal)
        || reply.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || reply.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || reply.StartsWith("READONLY", StringComparison.Ordinal)
        || reply.StartsWith("NOSCRIPT", StringComparison.Ordinal);

    private static bool IsAuthFailure(Exception e) =>
        e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }
        || e.Message.Contains("NOAUTH", StringComparison.Ordinal) || e.Message.Contains("WRONGPASS", StringComparison.Ordinal);

    private static long Unlink(IDatabase db, List<RedisKey> batch)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        var removed = (long)db.Execute("UNLINK", batch.Select(k => (object)k).ToArray());
        batch.Clear();
        return removed;
    }

    private static string EscapeGlob(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private void StartOutage(string what, Exception e)
    {
        lock (_outageLock)
        {
            if (_outage is not null)
            {
                return;
            }

            _outage = Stopwatch.StartNew();
        }

        Options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"store: redis at {Endpoint} unavailable during {what} ({FirstLine(e.Message)}); pausing store calls and retrying for up to {Options.RetryBudget.TotalSeconds:0} s"));
    }

    private void EndOutage()
    {
        TimeSpan down;
        lock (_outageLock)
        {
            if (_outage is null)
            {
                return;
            }

            down = _outage.Elapsed;
            _outage = null;
        }

        Options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"store: redis at {Endpoint} is back after {down.TotalSeconds:0.0} s; resuming"));
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOfAny(['\r', '\n', ';']);
        var line = i < 0 ? message : message[..i];
        return line.Length <= 160 ? line : line[..160] + "...";
    }

    private static int Millis(TimeSpan t) => (int)Math.Clamp(t.TotalMilliseconds, 1, int.MaxValue);
}
