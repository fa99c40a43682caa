using System.Collections.Concurrent;
using StackExchange.Redis;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>
/// The operator's Redis side (OPERATOR.md 3.3, 3.5): reads a job's membership record, publishes a new generation with
/// a Lua compare-and-set (written only when the stored generation is lower) followed by
/// <c>PUBLISH &lt;prefix&gt;membership:changed &lt;generation&gt;</c>, and deletes a job's keys (SCAN + UNLINK in
/// batches). One connection per <see cref="RedisEndpoint"/>, created on first use and kept; connections fail fast, so
/// an unreachable Redis surfaces as <see cref="RedisException"/>/<see cref="TimeoutException"/> within
/// <see cref="OperationTimeout"/> rather than hanging a worker. Thread-safe; owns its connections.
/// </summary>
public sealed class MembershipStore : IDisposable
{
    // KEYS[1] record, KEYS[2] channel; ARGV[1] JSON, ARGV[2] generation. Returns 1 when written, 0 when a record
    // with the same or a newer generation is stored.
    private const string CasScript = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local ok, decoded = pcall(cjson.decode, current)
          if ok and type(decoded) == 'table' and tonumber(decoded['generation']) ~= nil
             and tonumber(decoded['generation']) >= tonumber(ARGV[2]) then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('PUBLISH', KEYS[2], ARGV[2])
        return 1
        """;

    private readonly ConcurrentDictionary<RedisEndpoint, Lazy<Task<ConnectionMultiplexer>>> _connections = new();
    private readonly OperatorMetrics _metrics;

    public MembershipStore(OperatorMetrics metrics, TimeSpan? operationTimeout = null)
    {
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        OperationTimeout = operationTimeout ?? TimeSpan.FromSeconds(3);
    }

    /// <summary>Connect and per-operation timeout.</summary>
    public TimeSpan OperationTimeout { get; }

    /// <summary>The record key of a job: <c>&lt;prefix&gt;membership</c>.</summary>
    public static string RecordKey(string prefix) => MembershipKeys.Record(prefix);

    /// <summary>The channel announcing new generations: <c>&lt;prefix&gt;membership:changed</c>.</summary>
    public static string ChannelName(string prefix) => MembershipKeys.Channel(prefix);

    /// <summary>Reads the record under <paramref name="prefix"/>; null when none is stored.</summary>
    /// <exception cref="RedisException">Redis unreachable or failing.</exception>
    /// <exception cref="FormatException">The stored value is not a membership record.</exception>
    public async Task<MembershipRecord?> ReadAsync(RedisEndpoint endpoint, string prefix)
    {
        var db = await DatabaseAsync(endpoint).ConfigureAwait(false);
        var value = await Run("get", () => db.StringGetAsync(RecordKey(prefix))).ConfigureAwait(false);
        return value.IsNullOrEmpty ? null : MembershipRecord.FromJson(value.ToString());
    }

    /// <summary>Publishes <paramref name="record"/> if the stored generation is lower; returns false when it lost
    /// the compare-and-set (another writer got there first).</summary>
    public async Task<bool> PublishAsync(RedisEndpoint endpoint, string prefix, MembershipRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var db = await DatabaseAsync(endpoint).ConfigureAwait(false);
        var result = await Run("publish", () => db.ScriptEvaluateAsync(CasScript,
            [RecordKey(prefix), ChannelName(prefix)],
            [record.ToJson(), record.Generation])).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Deletes every key starting with <paramref name="prefix"/> (SCAN + UNLINK in batches of 500); returns
    /// how many were deleted.</summary>
    public async Task<long> DeletePrefixAsync(RedisEndpoint endpoint, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var db = await DatabaseAsync(endpoint).ConfigureAwait(false);
        var pattern = EscapeGlob(prefix) + "*";
        long deleted = 0;
        long cursor = 0;
        do
        {
            var reply = await Run("scan", () => db.ExecuteAsync("SCAN", cursor.ToString(System.Globalization.CultureInfo.InvariantCulture), "MATCH", pattern, "COUNT", "500")).ConfigureAwait(false);
            var parts = (RedisResult[])reply!;
            cursor = long.Parse((string)parts[0]!, System.Globalization.CultureInfo.InvariantCulture);
            var keys = ((RedisResult[])parts[1]!).Select(k => (object)(string)k!).ToArray();
            if (keys.Length > 0)
            {
                deleted += (long)await Run("unlink", () => db.ExecuteAsync("UNLINK", keys)).ConfigureAwait(false);
            }
        }
        while (cursor != 0);
        return deleted;
    }

    public void Dispose()
    {
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        _connections.Clear();
    }

    private static string EscapeGlob(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length + 8);
        foreach (var ch in text)
        {
            if (ch is '*' or '?' or '[' or ']' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(ch);
        }

        return sb.ToString();
    }

    private async Task<T> Run<T>(string op, Func<Task<T>> call)
    {
        try
        {
            var result = await call().WaitAsync(OperationTimeout).ConfigureAwait(false);
            _metrics.RedisOperations.WithLabels(op, "ok").Inc();
            return result;
        }
        catch (Exception)
        {
            _metrics.RedisOperations.WithLabels(op, "error").Inc();
            throw;
        }
    }

    private async Task<IDatabase> DatabaseAsync(RedisEndpoint endpoint)
    {
        var lazy = _connections.GetOrAdd(endpoint, e => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectAsync(e)));
        ConnectionMultiplexer mux;
        try
        {
            mux = await lazy.Value.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _connections.TryRemove(KeyValuePair.Create(endpoint, lazy)); // the next reconcile tries again
            _metrics.RedisOperations.WithLabels("connect", "error").Inc();
            if (e is RedisException)
            {
                throw;
            }

            throw new RedisException($"cannot connect to redis at {endpoint}: {e.Message}", e);
        }

        if (!mux.IsConnected)
        {
            _metrics.RedisOperations.WithLabels("connect", "error").Inc();
            throw new RedisException($"redis at {endpoint} is not reachable");
        }

        return mux.GetDatabase(endpoint.Database);
    }

    private Task<ConnectionMultiplexer> ConnectAsync(RedisEndpoint endpoint)
    {
        var ms = (int)OperationTimeout.TotalMilliseconds;
        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new LinearRetry(1000),
            ConnectTimeout = ms,
            SyncTimeout = ms,
            AsyncTimeout = ms,
            Password = endpoint.Password,
            Ssl = endpoint.Tls,
            ClientName = "twa-operator",
        };
        config.EndPoints.Add(endpoint.Address);
        return ConnectionMultiplexer.ConnectAsync(config);
    }
}
