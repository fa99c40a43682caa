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
    private const int ResolveAttempts = 5;

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

    private readonly RedisConnection _redis;
    private readonly string _prefix;

    /// <param name="redis">The shared connection (not owned).</param>
    /// <param name="prefix">The job's key prefix.</param>
    /// <param name="chunkBytes">Chunk size; default <see cref="RedisStoreOptions.ChunkBytes"/>.</param>
    public RedisStateStore(RedisConnection redis, JobKeyPrefix prefix, int? chunkBytes = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(prefix);
        _redis = redis;
        _prefix = prefix.Value;
        ChunkBytes = ChunkSize.Checked(chunkBytes ?? redis.Options.ChunkBytes, nameof(chunkBytes));
    }

    public int ChunkBytes { get; }

    /// <summary>How long a replaced version stays readable for readers that resolved it before the switch.</summary>
    public TimeSpan ReplacedGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a version being written survives if its writer dies before committing it.</summary>
    public TimeSpan PendingTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The pointer key of <paramref name="slot"/> (its versions are this key + ":" + version id).</summary>
    public string KeyOf(string slot) => $"{_prefix}state:{slot}";

    public long Commit(string slot, CommittedState state)
    {
        CommittedState.CheckSlot(slot);
        ArgumentNullException.ThrowIfNull(state);
        state.Validate();
        var data = state.Tensors.Select(t => TensorBytes.ToBytes(t.Tensor)).ToArray();
        var manifest = new ChunkedManifest(StoreMetadata.ForState(state, 0),
            state.Tensors.Select((t, i) => TensorLayout.Describe(t.Name, t.Tensor.DType, t.Tensor.Shape, data[i], ChunkBytes)).ToArray());
        var pointer = KeyOf(slot);
        return _redis.Run($"commit state '{slot}'", db =>
        {
            var version = Guid.NewGuid().ToString("N");
            var key = $"{pointer}:{version}";
            RedisChunkedValue.Write(db, key, manifest, data, PendingTtl);
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

    public CommittedState? ReadLatest(string slot)
    {
        CommittedState.CheckSlot(slot);
        var pointer = KeyOf(slot);
        return _redis.Run($"read state '{slot}'", db =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var resolved = db.ScriptEvaluate(ResolveScript, [pointer], [pointer + ":"]);
                if (resolved.IsNull)
                {
                    return null;
                }

                var parts = (RedisResult[])resolved!;
                var key = $"{pointer}:{(string)parts[0]!}";
                var sequence = (long)parts[1];
                if (parts[2].IsNull)
                {
                    if (attempt < ResolveAttempts)
                    {
                        continue;
                    }

                    throw new StoreCorruptException(key, $"the pointer {pointer} names this version but it has no header (field 'm'): the commit was lost", null);
                }

                var manifest = ChunkedManifest.Decode(key, (byte[])parts[2]!);
                var tensors = new List<(string, Tensor)>();
                try
                {
                    var vanished = false;
                    for (var t = 0; t < manifest.Tensors.Count && !vanished; t++)
                    {
                        var layout = manifest.Tensors[t];
                        var bytes = RedisChunkedValue.ReadChunks(db, key, t, layout, 0, layout.ChunkCount - 1);
                        if (bytes is null)
                        {
                            vanished = true;
                        }
                        else
                        {
                            tensors.Add((layout.Name, TensorBytes.ToTensor(bytes, layout.DType, layout.Shape)));
                        }
                    }

                    if (!vanished)
                    {
                        var metadata = new Dictionary<string, string>(manifest.Metadata.Count, StringComparer.Ordinal);
                        foreach (var (k, v) in manifest.Metadata)
                        {
                            metadata[k] = v;
                        }

                        metadata[StoreMetadata.SequenceKey] = sequence.ToString(CultureInfo.InvariantCulture);
                        return StoreMetadata.ToState(key, metadata, tensors);
                    }
                }
                catch
                {
                    tensors.ForEach(t => t.Item2.Dispose());
                    throw;
                }

                tensors.ForEach(t => t.Item2.Dispose());
                if (attempt >= ResolveAttempts)
                {
                    throw new StoreCorruptException(key, $"the version kept vanishing while being read ({ResolveAttempts} attempts)", null);
                }
            }
        });
    }
}
