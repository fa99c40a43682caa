using System.Buffers;
using StackExchange.Redis;

namespace Twa.Training.Stores;

/// <summary>
/// What <see cref="RedisSnapshotStore"/> and <see cref="RedisStateStore"/> share: the connection (not owned), the job's
/// key prefix and the chunk size, and the two halves of their protocol. A value lives as immutable versions
/// <c>POINTER:VERSION</c> (chunked hashes, see <see cref="RedisChunkedValue"/>) behind a pointer key; a writer writes a
/// whole new version and then switches the pointer in one store-specific Lua script; a reader resolves pointer and
/// header in one script and reads the chunks of that version, starting over when the version vanished meanwhile.
/// Immutable and thread-safe.
/// </summary>
internal sealed class RedisVersionedValues
{
    /// <summary>How often a read resolves again when the version it resolved vanished under it.</summary>
    public const int ResolveAttempts = 5;

    public RedisVersionedValues(RedisConnection redis, JobKeyPrefix prefix, int? chunkBytes, string chunkBytesName)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(prefix);
        Redis = redis;
        Prefix = prefix.Value;
        ChunkBytes = ChunkSize.Checked(chunkBytes ?? redis.Options.ChunkBytes, chunkBytesName);
    }

    public RedisConnection Redis { get; }

    public string Prefix { get; }

    public int ChunkBytes { get; }

    /// <summary>The header and the element bytes of <paramref name="tensors"/>, borrowed (see
    /// <see cref="TensorBytes.Borrow"/>) until the returned owners are disposed; the tensors must not change meanwhile.</summary>
    public (ChunkedManifest Manifest, IMemoryOwner<byte>[] Data) Describe(
        IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string Name, Torch.Tensor Tensor)> tensors)
    {
        var data = new List<IMemoryOwner<byte>>(tensors.Count);
        try
        {
            var layouts = new TensorLayout[tensors.Count];
            for (var i = 0; i < tensors.Count; i++)
            {
                var (name, tensor) = tensors[i];
                data.Add(TensorBytes.Borrow(tensor));
                layouts[i] = TensorLayout.Describe(name, tensor.DType, tensor.Shape, data[i].Memory.Span, ChunkBytes);
            }

            return (new ChunkedManifest(metadata, layouts), data.ToArray());
        }
        catch
        {
            data.ForEach(d => d.Dispose());
            throw;
        }
    }

    /// <summary>Writes a new, not yet committed version of <paramref name="pointer"/> (expiring after
    /// <paramref name="pendingTtl"/> unless a commit script persists it) and returns its version id and key.</summary>
    public static (string Version, string Key) WriteVersion(
        IDatabase db, string pointer, ChunkedManifest manifest, IReadOnlyList<IMemoryOwner<byte>> data, TimeSpan pendingTtl)
    {
        var version = Guid.NewGuid().ToString("N");
        var key = $"{pointer}:{version}";
        RedisChunkedValue.Write(db, key, manifest, data.Select(d => (ReadOnlyMemory<byte>)d.Memory).ToArray(), pendingTtl);
        return (version, key);
    }

    /// <summary>Resolves the current version of <paramref name="pointer"/> with <paramref name="resolveScript"/> (KEYS[1] =
    /// the pointer, ARGV[1] = pointer + ":"; it returns false when the pointer is missing, else an array whose first
    /// element is the version id and whose last is the version's header) and runs <paramref name="read"/> on it with the
    /// whole reply. <paramref name="read"/> returns null when the version vanished meanwhile, and everything starts over.
    /// Returns false (and default) when the pointer does not exist.</summary>
    /// <exception cref="StoreCorruptException">The version has no header, or kept vanishing; the message names the key
    /// and ends with <paramref name="lostHeaderHint"/>.</exception>
    public static bool TryReadCurrent<T>(IDatabase db, string pointer, string resolveScript, string lostHeaderHint,
        Func<string, ChunkedManifest, RedisResult[], T?> read, out T result)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            var resolved = db.ScriptEvaluate(resolveScript, [pointer], [pointer + ":"]);
            if (resolved.IsNull)
            {
                result = default!;
                return false;
            }

            var parts = (RedisResult[])resolved!;
            var key = $"{pointer}:{(string)parts[0]!}";
            if (parts[^1].IsNull)
            {
                if (attempt < ResolveAttempts)
                {
                    continue;
                }

                throw new StoreCorruptException(key, $"the pointer {pointer} names this version but it has no header (field '{RedisChunkedValue.ManifestField}'): {lostHeaderHint}", null);
            }

            var value = read(key, ChunkedManifest.Decode(key, (byte[])parts[^1]!), parts);
            if (value is not null)
            {
                result = value;
                return true;
            }

            if (attempt >= ResolveAttempts)
            {
                throw new StoreCorruptException(key, $"the version kept vanishing while being read ({ResolveAttempts} attempts)", null);
            }
        }
    }
}
