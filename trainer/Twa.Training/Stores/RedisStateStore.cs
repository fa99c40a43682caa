using System.Globalization;
using StackExchange.Redis;
using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>
/// Committed state in Redis under the job's prefix P: <c>P state:SLOT</c> is a hash {ver, gen, seq} pointing at
/// <c>P state:SLOT:VERSION</c>, a chunked, checksummed value (tensors plus the state's scalars in its header).
/// A commit writes the new version completely, then one Lua script checks it is complete, refuses it when the
/// slot holds a newer generation, bumps the sequence, switches the pointer and lets the replaced version expire
/// after a grace period; readers resolve pointer and header in one script, so they never see a torn state.
/// Transient Redis failures are retried by the <see cref="RedisConnection"/>. Thread-safe; does not own the
/// connection.
/// </summary>
public sealed class RedisStateStore : IStateStore
{
    private const string CommitScript = """
        if redis.call('HLEN', KEYS[2]) ~= tonumber(ARGV[5]) then return {-2} end
        local g = redis.call('HGET', KEYS[1], 'gen')
        if g and tonumber(g) > tonumber(ARGV[2]) then
            redis.call('UNLINK', KEYS[2])
            return {-1, tonumber(g)}
        end
        local old = redis.call('HGET', KEYS[1], 'ver')
        local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
        redis.call('HSET', KEYS[1], 'ver', ARGV[1], 'gen', ARGV[2])
        redis.call('PERSIST', KEYS[2])
        if old and old ~= ARGV[1] then redis.call('PEXPIRE', ARGV[3] .. old, ARGV[4]) end
        return {seq}
        """;

    private const string ResolveScript = """
        local p = redis.call('HMGET', KEYS[1], 'ver', 'seq')
        if not p[1] then return false end
        return {p[1], p[2], redis.call('HGET', ARGV[1] .. p[1], 'm')}
        """;

    private readonly RedisVersionedValues _values;

    /// <param name="redis">The shared connection (not owned).</param>
    /// <param name="prefix">The job's key prefix.</param>
    /// <param name="chunkBytes">Chunk size; default <see cref="RedisStoreOptions.ChunkBytes"/>.</param>
    public RedisStateStore(RedisConnection redis, JobKeyPrefix prefix, int? chunkBytes = null)
    {
        _values = new RedisVersionedValues(redis, prefix, chunkBytes, nameof(chunkBytes));
    }

    public int ChunkBytes => _values.ChunkBytes;

    /// <summary>How long a replaced version stays readable for readers that resolved it before the switch.</summary>
    public TimeSpan ReplacedGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a version being written survives if its writer dies before committing it.</summary>
    public TimeSpan PendingTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The pointer key of <paramref name="slot"/> (its versions are this key + ":" + version id).</summary>
    public string KeyOf(string slot) => $"{_values.Prefix}state:{slot}";

    public long Commit(string slot, CommittedState state)
    {
        CommittedState.CheckSlot(slot);
        ArgumentNullException.ThrowIfNull(state);
        state.Validate();
        var (manifest, data) = _values.Describe(StoreMetadata.ForState(state, 0), state.Tensors);
        try
        {
            var pointer = KeyOf(slot);
            return _values.Redis.Run($"commit state '{slot}'", db =>
            {
                var (version, key) = RedisVersionedValues.WriteVersion(db, pointer, manifest, data, PendingTtl);
                var reply = (RedisResult[])db.ScriptEvaluate(CommitScript, [pointer, key],
                    [version, state.Generation, pointer + ":", (long)ReplacedGrace.TotalMilliseconds, RedisChunkedValue.FieldCount(manifest)])!;
                var code = (long)reply[0];
                return code switch
                {
                    -1 => throw new StaleGenerationException(slot, (long)reply[1], state.Generation),
                    -2 => throw new IncompleteWriteException($"state '{slot}' version {version} was incomplete at commit (Redis lost writes); writing it again"),
                    _ => code,
                };
            });
        }
        finally
        {
            Array.ForEach(data, d => d.Dispose());
        }
    }

    public CommittedState? ReadLatest(string slot)
    {
        CommittedState.CheckSlot(slot);
        var pointer = KeyOf(slot);
        return _values.Redis.Run($"read state '{slot}'", db =>
            RedisVersionedValues.TryReadCurrent(db, pointer, ResolveScript, "the commit was lost", (key, manifest, reply) => Read(db, key, manifest, (long)reply[1]), out var state)
                ? state
                : null);
    }

    /// <summary>The state in version <paramref name="key"/>, or null when the version vanished while being read.</summary>
    private CommittedState? Read(IDatabase db, string key, ChunkedManifest manifest, long sequence)
    {
        var tensors = new List<(string, Tensor)>();
        try
        {
            for (var t = 0; t < manifest.Tensors.Count; t++)
            {
                var layout = manifest.Tensors[t];
                var tensor = TensorBytes.Fill(layout.DType, layout.Shape, bytes => RedisChunkedValue.ReadInto(_values.Redis, db, key, t, layout, 0, bytes.Span));
                if (tensor is null)
                {
                    tensors.ForEach(x => x.Item2.Dispose());
                    return null;
                }

                tensors.Add((layout.Name, tensor));
            }

            var metadata = new Dictionary<string, string>(manifest.Metadata.Count, StringComparer.Ordinal);
            foreach (var (k, v) in manifest.Metadata)
            {
                metadata[k] = v;
            }

            metadata[StoreMetadata.SequenceKey] = sequence.ToString(CultureInfo.InvariantCulture);
            return StoreMetadata.ToState(key, metadata, tensors);
        }
        catch
        {
            tensors.ForEach(x => x.Item2.Dispose());
            throw;
        }
    }
}
