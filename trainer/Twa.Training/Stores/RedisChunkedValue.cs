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
    public const int ReadWindow = 8;
    public const int WriteWindow = 8;

    public static RedisValue ChunkField(int tensor, int chunk) => string.Create(CultureInfo.InvariantCulture, $"{tensor}:{chunk}");

    /// <summary>Number of hash fields a complete value has.</summary>
    public static int FieldCount(ChunkedManifest manifest) => 1 + manifest.Tensors.Sum(t => t.ChunkCount);

    /// <summary>Writes the manifest and every chunk of <paramref name="data"/> (the element bytes of each tensor) to hash
    /// <paramref name="key"/>, which expires after <paramref name="pendingTtl"/> unless committed. The chunks are sent
    /// straight from <paramref name="data"/> (no copy on our side), so it must not change until this returns; this
    /// returns (also when it throws) only once no request still refers to it.</summary>
    public static void Write(IDatabase db, RedisKey key, ChunkedManifest manifest, IReadOnlyList<ReadOnlyMemory<byte>> data, TimeSpan pendingTtl)
    {
        var tasks = new List<Task>
        {
            db.HashSetAsync(key, ManifestField, manifest.Encode()),
            db.KeyExpireAsync(key, pendingTtl),
        };
        try
        {
            var batch = new List<HashEntry>();
            long batchBytes = 0;
            for (var t = 0; t < manifest.Tensors.Count; t++)
            {
                var layout = manifest.Tensors[t];
                for (var c = 0; c < layout.ChunkCount; c++)
                {
                    var chunk = data[t].Slice((int)layout.ChunkOffset(c), layout.ChunkLength(c));
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
        }
        finally
        {
            // Every request issued (also after a failure) must be done with the caller's memory before we return.
            // The multiplexer completes or fails each within its timeouts.
            Task.WaitAny(Task.WhenAll(tasks));
        }

        Task.WhenAll(tasks).GetAwaiter().GetResult();
    }

    /// <summary>Reads the chunks of tensor <paramref name="tensor"/> covering bytes [<paramref name="byteStart"/>,
    /// <paramref name="byteStart"/> + destination length) of it and copies exactly those bytes into
    /// <paramref name="destination"/>. Each chunk is verified (length and xxHash64) on the reply buffer itself, then only
    /// its part inside the range is copied: one copy per byte, straight from the reply into the destination. Returns
    /// false when the whole value vanished meanwhile (a newer commit replaced it and its grace period ended:
    /// re-resolve and retry); the destination then holds partial data.</summary>
    /// <exception cref="StoreCorruptException">A chunk is missing, short or fails its checksum.</exception>
    public static bool ReadInto(IDatabase db, RedisKey key, int tensor, TensorLayout layout, long byteStart, Span<byte> destination)
    {
        var (first, last) = layout.ChunksCovering(byteStart, destination.Length);
        if (last < first)
        {
            return true;
        }

        // One pipelined HGET per chunk (each reply lands in a pooled lease) rather than one HMGET with a huge
        // reply, with at most ReadWindow requests in flight so the client never buffers the whole range at once.
        var count = last - first + 1;
        var replies = new Task<Lease<byte>?>[count];
        var issued = 0;
        for (; issued < Math.Min(ReadWindow, count); issued++)
        {
            replies[issued] = db.HashGetLeaseAsync(key, ChunkField(tensor, first + issued));
        }

        var next = 0;
        try
        {
            for (; next < count; next++)
            {
                var c = first + next;
                using var lease = replies[next].GetAwaiter().GetResult();
                if (issued < count)
                {
                    replies[issued] = db.HashGetLeaseAsync(key, ChunkField(tensor, first + issued));
                    issued++;
                }

                if (lease is null)
                {
                    if (!db.KeyExists(key))
                    {
                        return false;
                    }

                    throw new StoreCorruptException((string)key!, string.Create(CultureInfo.InvariantCulture,
                        $"chunk {c} of '{layout.Name}' (field '{ChunkField(tensor, c)}') is missing: the value is truncated; re-save it"), null);
                }

                var chunk = lease.Span;
                layout.Verify((string)key!, c, chunk);
                var chunkStart = layout.ChunkOffset(c);
                var from = Math.Max(byteStart, chunkStart);
                var to = Math.Min(byteStart + destination.Length, chunkStart + chunk.Length);
                chunk[(int)(from - chunkStart)..(int)(to - chunkStart)].CopyTo(destination[(int)(from - byteStart)..]);
            }
        }
        finally
        {
            // Leases of replies not consumed (an early return or exception) go back to their pool once they arrive.
            for (var j = next + 1; j < issued; j++)
            {
                _ = replies[j].ContinueWith(t => t.Result?.Dispose(), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        return true;
    }
}
