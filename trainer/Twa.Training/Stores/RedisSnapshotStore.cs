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

    private static readonly object ReadDone = new();

    private readonly RedisVersionedValues _values;

    /// <param name="redis">The shared connection (not owned).</param>
    /// <param name="prefix">The job's key prefix.</param>
    /// <param name="chunkBytes">Chunk size of new snapshots; default <see cref="RedisStoreOptions.ChunkBytes"/>.</param>
    public RedisSnapshotStore(RedisConnection redis, JobKeyPrefix prefix, int? chunkBytes = null)
    {
        _values = new RedisVersionedValues(redis, prefix, chunkBytes, nameof(chunkBytes));
    }

    public int ChunkBytes => _values.ChunkBytes;

    /// <summary>How long a replaced version stays readable for readers that resolved it before the switch.</summary>
    public TimeSpan ReplacedGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a version being written survives if its writer dies before committing it.</summary>
    public TimeSpan PendingTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The pointer key of snapshot <paramref name="index"/> (its versions are this key + ":" + version id).</summary>
    public string KeyOf(int index) => string.Create(CultureInfo.InvariantCulture, $"{_values.Prefix}snap:{index}");

    private string IndexKey => _values.Prefix + "snap:index";

    public IReadOnlyList<int> Indices() =>
        _values.Redis.Run("list snapshots", db => db.SortedSetRangeByRank(IndexKey).Select(v => (int)v).ToArray());

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

        var (manifest, data) = _values.Describe(new Dictionary<string, string>(metadata, StringComparer.Ordinal), tensors);
        try
        {
            var pointer = KeyOf(index);
            _values.Redis.Run($"save snapshot {index}", db =>
            {
                var (version, key) = RedisVersionedValues.WriteVersion(db, pointer, manifest, data, PendingTtl);
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
        finally
        {
            Array.ForEach(data, d => d.Dispose());
        }
    }

    /// <summary>Reads straight into a new tensor, allocated once the range is known to be valid: each chunk is verified
    /// on the reply buffer and copied once, into the tensor's storage.</summary>
    public Tensor ReadColumns(int index, long start, long count) =>
        Read(index, "read columns", (db, key, manifest) =>
        {
            var layout = manifest.Tensors[0];
            TensorBytes.CheckRange(key, start, count, layout.NumElements);
            return TensorBytes.Fill(DType.Float32, [count], bytes => RedisChunkedValue.ReadInto(_values.Redis, db, key, 0, layout, start * sizeof(float), bytes.Span));
        });

    /// <summary>A contiguous CPU f32 <paramref name="destination"/> is filled in place (one copy from the reply buffers);
    /// any other goes through a temporary CPU tensor.</summary>
    public void ReadColumnsInto(int index, long start, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var count = destination.NumElements;
        TensorBytes.FillInto(destination, DType.Float32, bytes => ReadParams(index, start, count, bytes));
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index) =>
        Read(index, "read buffers", (db, key, manifest) =>
        {
            var result = new List<(string, Tensor)>();
            try
            {
                for (var t = 1; t < manifest.Tensors.Count; t++)
                {
                    var layout = manifest.Tensors[t];
                    var tensor = TensorBytes.Fill(layout.DType, layout.Shape, bytes => RedisChunkedValue.ReadInto(_values.Redis, db, key, t, layout, 0, bytes.Span));
                    if (tensor is null)
                    {
                        result.ForEach(r => r.Item2.Dispose());
                        return null;
                    }

                    result.Add((layout.Name, tensor));
                }
            }
            catch
            {
                result.ForEach(r => r.Item2.Dispose());
                throw;
            }

            return result;
        });

    public long ParameterCount(int index) => Read(index, "read parameter count", (_, _, manifest) => new StrongBox<long>(manifest.Tensors[0].NumElements)).Value;

    public IReadOnlyDictionary<string, string> ReadMetadata(int index) =>
        Read(index, "read metadata", (_, _, manifest) => StoreMetadata.UserOnly(manifest.Metadata));

    /// <summary>Copies elements [start, start + count) of the current version's parameters into
    /// <paramref name="destination"/> (count * 4 bytes), verifying every chunk it touches. Returns true.</summary>
    private bool ReadParams(int index, long start, long count, Memory<byte> destination) =>
        Read(index, "read columns", (db, key, manifest) =>
        {
            var layout = manifest.Tensors[0];
            TensorBytes.CheckRange(key, start, count, layout.NumElements);
            return RedisChunkedValue.ReadInto(_values.Redis, db, key, 0, layout, start * sizeof(float), destination.Span) ? ReadDone : null;
        }) == ReadDone;

    /// <summary>Resolves the current version of snapshot <paramref name="index"/> and runs <paramref name="read"/> on it;
    /// <paramref name="read"/> returns null when the version vanished meanwhile, and the whole read is retried.</summary>
    private T Read<T>(int index, string what, Func<IDatabase, string, ChunkedManifest, T?> read)
        where T : class
    {
        var pointer = KeyOf(index);
        return _values.Redis.Run($"{what} of snapshot {index}", db =>
        {
            if (!RedisVersionedValues.TryReadCurrent(db, pointer, ResolveScript, $"the value was lost; re-save snapshot {index}", (key, manifest, _) =>
                {
                    if (manifest.Tensors.Count == 0 || manifest.Tensors[0].Name != LocalSnapshotStore.ParamsTensor || manifest.Tensors[0].DType != DType.Float32)
                    {
                        throw new StoreCorruptException(key, $"the value does not start with an f32 '{LocalSnapshotStore.ParamsTensor}' tensor: not a snapshot", null);
                    }

                    return read(db, key, manifest);
                }, out var result))
            {
                var have = Indices();
                throw new SnapshotNotFoundException(
                    $"snapshot {index} not found under {_values.Prefix} (have {(have.Count == 0 ? "none" : $"{have[0]}..{have[^1]}")})");
            }

            return result;
        });
    }
}
