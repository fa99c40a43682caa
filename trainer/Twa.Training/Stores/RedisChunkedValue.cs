using System.Globalization;
using StackExchange.Redis;

namespace Twa.Training.Stores;

/// <summary>
/// A chunked value in one Redis hash: field "m" holds the <see cref="ChunkedManifest"/>, field "T:C" chunk C of
/// tensor T (raw little-endian element bytes). Written with a pending TTL, which the committing script removes,
/// so a writer that dies half-way leaves nothing behind for long.
/// </summary>
internal static class RedisChunkedValue
{
    public const string ManifestField = "m";
    private const long HsetBatchBytes = 1L << 20;
    private const int ReadWindow = 8;
    private const int WriteWindow = 8;

    public static RedisValue ChunkField(int tensor, int chunk) => string.Create(CultureInfo.InvariantCulture, $"{tensor}:{chunk}");

    /// <summary>Number of hash fields a complete value has.</summary>
    public static int FieldCount(ChunkedManifest manifest) => 1 + manifest.Tensors.Sum(t => t.ChunkCount);

    /// <summary>Writes the manifest and every chunk of <paramref name="data"/> (one array per tensor) to hash
    /// <paramref name="key"/>, which expires after <paramref name="pendingTtl"/> unless committed.</summary>
    public static void Write(IDatabase db, RedisKey key, ChunkedManifest manifest, IReadOnlyList<byte[]> data, TimeSpan pendingTtl)
    {
        var tasks = new List<Task>
        {
            db.HashSetAsync(key, ManifestField, manifest.Encode()),
            db.KeyExpireAsync(key, pendingTtl),
        };
        var batch = new List<HashEntry>();
        long batchBytes = 0;
        for (var t = 0; t < manifest.Tensors.Count; t++)
        {
            var layout = manifest.Tensors[t];
            for (var c = 0; c < layout.ChunkCount; c++)
            {
                var chunk = new ReadOnlyMemory<byte>(data[t], (int)layout.ChunkOffset(c), layout.ChunkLength(c));
                batch.Add(new HashEntry(ChunkField(t, c), chunk));
                batchBytes += chunk.Length;
                if (batchBytes >= HsetBatchBytes)
                {
                    // At most WriteWindow chunk writes in flight, so the client does not queue the whole value.
                    if (tasks.Count >= WriteWindow + 2)
                    {
                        tasks[tasks.Count - WriteWindow].GetAwaiter().GetResult();
                    }

                    tasks.Add(db.HashSetAsync(key, batch.ToArray()));
                    batch.Clear();
                    batchBytes = 0;
                }
            }
        }

        if (batch.Count > 0)
        {
            tasks.Add(db.HashSetAsync(key, batch.ToArray()));
        }

        Task.WhenAll(tasks).GetAwaiter().GetResult();
    }

    /// <summary>Reads and verifies chunks [first, last] of tensor <paramref name="tensor"/> into one buffer (chunk
    /// <paramref name="first"/> at offset 0). Returns null when the whole value vanished meanwhile (a newer commit
    /// replaced it and its grace period ended: re-resolve and retry).</summary>
    /// <exception cref="StoreCorruptException">A chunk is missing, short or fails its checksum.</exception>
    public static byte[]? ReadChunks(IDatabase db, RedisKey key, int tensor, TensorLayout layout, int first, int last)
    {
        if (last < first)
        {
            return [];
        }

        // One pipelined HGET per chunk (each reply lands in a pooled lease) rather than one HMGET with a huge
        // reply, with at most ReadWindow requests in flight so the client never buffers the whole range at once.
        var fields = Enumerable.Range(first, last - first + 1).Select(c => ChunkField(tensor, c)).ToArray();
        var replies = new Task<Lease<byte>?>[fields.Length];
        for (var i = 0; i < Math.Min(ReadWindow, fields.Length); i++)
        {
            replies[i] = db.HashGetLeaseAsync(key, fields[i]);
        }

        var begin = layout.ChunkOffset(first);
        var buffer = GC.AllocateUninitializedArray<byte>(checked((int)(layout.ChunkOffset(last) + layout.ChunkLength(last) - begin)));
        var next = 0;
        try
        {
            for (; next < replies.Length; next++)
            {
                var c = first + next;
                using var lease = replies[next].GetAwaiter().GetResult();
                if (next + ReadWindow < fields.Length)
                {
                    replies[next + ReadWindow] = db.HashGetLeaseAsync(key, fields[next + ReadWindow]);
                }

                if (lease is null)
                {
                    if (!db.KeyExists(key))
                    {
                        return null;
                    }

                    throw new StoreCorruptException((string)key!, string.Create(CultureInfo.InvariantCulture,
                        $"chunk {c} of '{layout.Name}' (field '{fields[next]}') is missing: the value is truncated; re-save it"), null);
                }

                layout.Verify((string)key!, c, lease.Span);
                lease.Span.CopyTo(buffer.AsSpan((int)(layout.ChunkOffset(c) - begin)));
            }
        }
        finally
        {
            // Leases of replies not consumed (an early return or exception) go back to their pool once they arrive.
            for (var j = next + 1; j < replies.Length && replies[j] is not null; j++)
            {
                _ = replies[j].ContinueWith(t => t.Result?.Dispose(), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        return buffer;
    }
}
