using System.Globalization;
using System.Runtime.CompilerServices;
using StackExchange.Redis;
using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>
/// Snapshots in Redis under the job's prefix P: <c>P snap:index</c> (sorted set of saved indices),
/// <c>P snap:N</c> (pointer: the current version id of snapshot N) and <c>P snap:N:VERSION</c> (a hash holding the
/// chunked, checksummed value: tensor 0 = "params", then the BN buffers). Saving writes a new version completely,
/// then one Lua script checks it is complete, switches the pointer and lets the replaced version expire after a
/// grace period, so readers never see half a snapshot and the previous one survives until the new one is
/// whole. Range reads fetch only the chunks covering the range. Transient Redis failures are retried by the
/// <see cref="RedisConnection"/>. Thread-safe; does not own the connection.
/// </summary>
public sealed class RedisSnapshotStore : ISnapshotStore
{
    private const int ResolveAttempts = 5;

    private const string CommitScript = """
        if redis.call('HLEN', KEYS[3]) ~= tonumber(ARGV[5]) then return 0 end
        local old = redis.call('GET', KEYS[1])
        redis.call('PERSIST', KEYS[3])
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
        if old and old ~= ARGV[1] then redis.call('PEXPIRE', ARGV[3] .. old, ARGV[4]) end
        return 1
        """;

    private const string ResolveScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then return false end
        return {v, redis.call('HGET', ARGV[1] .. v, 'm')}
        """;

    private readonly RedisConnection _redis;
    private readonly string _prefix;

    /// <param name="redis">The shared connection (not owned).</param>
    /// <param name="prefix">The job's key prefix.</param>
    /// <param name="chunkBytes">Chunk size of new snapshots; default <see cref="RedisStoreOptions.ChunkBytes"/>.</param>
    public RedisSnapshotStore(RedisConnection redis, JobKeyPrefix prefix, int? chunkBytes = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(prefix);
        _redis = redis;
        _prefix = prefix.Value;
        ChunkBytes = ChunkSize.Checked(chunkBytes ?? redis.Options.ChunkBytes, nameof(chunkBytes));
    }

    public int ChunkBytes { get; }

    /// <summary>How long a replaced version stays readable for readers that resolved it before the switch.</summary>
    public TimeSpan ReplacedGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a version being written survives if its writer dies before committing it.</summary>
    public TimeSpan PendingTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The pointer key of snapshot <paramref name="index"/> (its versions are this key + ":" + version id).</summary>
    public string KeyOf(int index) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}snap:{index}");

    private string IndexKey => _prefix + "snap:index";

    public IReadOnlyList<int> Indices() =>
        _redis.Run("list snapshots", db => db.SortedSetRangeByRank(IndexKey).Select(v => (int)v).ToArray());

    public void Save(int index, Tensor flatParameters, IReadOnlyList<(string Name, Tensor Tensor)> buffers, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(flatParameters);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        StoreMetadata.CheckUserKeys(metadata, $"snapshot {index} metadata");
        if (flatParameters.DType != DType.Float32)
        {
            throw new ArgumentException($"snapshot parameters must be f32, not {flatParameters.DType}", nameof(flatParameters));
        }

        var tensors = new List<(string Name, Tensor Tensor)> { (LocalSnapshotStore.ParamsTensor, flatParameters) };
        tensors.AddRange(buffers);
        if (tensors.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != tensors.Count)
        {
            throw new ArgumentException($"snapshot {index}: buffer names must be unique and not '{LocalSnapshotStore.ParamsTensor}'", nameof(buffers));
        }

        var data = tensors.Select(t => TensorBytes.ToBytes(t.Tensor)).ToArray();
        var manifest = new ChunkedManifest(
            new Dictionary<string, string>(metadata, StringComparer.Ordinal),
            tensors.Select((t, i) => TensorLayout.Describe(t.Name, t.Tensor.DType, t.Tensor.Shape, data[i], ChunkBytes)).ToArray());
        var pointer = KeyOf(index);
        _redis.Run($"save snapshot {index}", db =>
        {
            var version = Guid.NewGuid().ToString("N");
            var key = $"{pointer}:{version}";
            RedisChunkedValue.Write(db, key, manifest, data, PendingTtl);
            var done = (long)db.ScriptEvaluate(CommitScript, [pointer, IndexKey, key],
                [version, index, pointer + ":", (long)ReplacedGrace.TotalMilliseconds, RedisChunkedValue.FieldCount(manifest)]);
            if (done != 1)
            {
                throw new IncompleteWriteException(
                    $"snapshot {index} version {version} was incomplete at commit (Redis lost writes); writing it again");
            }

            return true;
        });
    }

    public Tensor ReadColumns(int index, long start, long count)
    {
        var bytes = ReadParams(index, start, count, out var offset);
        return TensorBytes.ToTensor(bytes.AsSpan(offset, (int)(count * sizeof(float))), DType.Float32, [count]);
    }

    public void ReadColumnsInto(int index, long start, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var count = destination.NumElements;
        var bytes = ReadParams(index, start, count, out var offset);
        TensorBytes.CopyInto(bytes.AsSpan(offset, (int)(count * sizeof(float))), destination);
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index)
    {
        var parts = Read(index, "read buffers", (db, key, manifest) =>
        {
            var result = new List<(TensorLayout Layout, byte[] Bytes)>();
            for (var t = 1; t < manifest.Tensors.Count; t++)
            {
                var layout = manifest.Tensors[t];
                var bytes = RedisChunkedValue.ReadChunks(db, key, t, layout, 0, layout.ChunkCount - 1);
                if (bytes is null)
                {
                    return null;
                }

                result.Add((layout, bytes));
            }

            return result;
        });
        var tensors = new List<(string, Tensor)>(parts.Count);
        foreach (var (layout, bytes) in parts)
        {
            tensors.Add((layout.Name, TensorBytes.ToTensor(bytes, layout.DType, layout.Shape)));
        }

        return tensors;
    }

    public long ParameterCount(int index) => Read(index, "read parameter count", (_, _, manifest) => new StrongBox<long>(manifest.Tensors[0].NumElements)).Value;

    public IReadOnlyDictionary<string, string> ReadMetadata(int index) =>
        Read(index, "read metadata", (_, _, manifest) => StoreMetadata.UserOnly(manifest.Metadata));

    private byte[] ReadParams(int index, long start, long count, out int offset)
    {
        var range = Read(index, "read columns", (db, key, manifest) =>
        {
            var layout = manifest.Tensors[0];
            TensorBytes.CheckRange(key, start, count, layout.NumElements);
            var (first, last) = layout.ChunksCovering(start * sizeof(float), count * sizeof(float));
            var chunks = RedisChunkedValue.ReadChunks(db, key, 0, layout, first, last);
            return chunks is null ? null : Tuple.Create(chunks, last < first ? 0 : (int)(start * sizeof(float) - layout.ChunkOffset(first)));
        });
        offset = range.Item2;
        return range.Item1;
    }

    /// <summary>Resolves the current version of snapshot <paramref name="index"/> and runs <paramref name="read"/> on it;
    /// <paramref name="read"/> returns null when the version vanished meanwhile, and the whole read is retried.</summary>
    private T Read<T>(int index, string what, Func<IDatabase, string, ChunkedManifest, T?> read)
        where T : class
    {
        var pointer = KeyOf(index);
        return _redis.Run($"{what} of snapshot {index}", db =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var resolved = db.ScriptEvaluate(ResolveScript, [pointer], [pointer + ":"]);
                if (resolved.IsNull)
                {
                    var have = Indices();
                    throw new SnapshotNotFoundException(
                        $"snapshot {index} not found under {_prefix} (have {(have.Count == 0 ? "none" : $"{have[0]}..{have[^1]}")})");
                }

                var parts = (RedisResult[])resolved!;
                var key = $"{pointer}:{(string)parts[0]!}";
                if (parts[1].IsNull)
                {
                    if (attempt < ResolveAttempts)
                    {
                        continue;
                    }

                    throw new StoreCorruptException(key, $"the pointer {pointer} names this version but it has no header (field 'm'): the value was lost; re-save snapshot {index}", null);
                }

                var manifest = ChunkedManifest.Decode(key, (byte[])parts[1]!);
                if (manifest.Tensors.Count == 0 || manifest.Tensors[0].Name != LocalSnapshotStore.ParamsTensor || manifest.Tensors[0].DType != DType.Float32)
                {
                    throw new StoreCorruptException(key, $"the value does not start with an f32 '{LocalSnapshotStore.ParamsTensor}' tensor: not a snapshot", null);
                }

                var result = read(db, key, manifest);
                if (result is not null)
                {
                    return result;
                }

                if (attempt >= ResolveAttempts)
                {
                    throw new StoreCorruptException(key, $"the version kept vanishing while being read ({ResolveAttempts} attempts)", null);
                }
            }
        });
    }
}
