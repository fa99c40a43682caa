using System.Buffers;
using System.Globalization;
using System.Text;
using StackExchange.Redis;
using Twa.Torch;

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
    /// <paramref name="destination"/>. The replies come over a bulk-read connection of <paramref name="redis"/>
    /// (<see cref="RespBulkReader"/>), at most <see cref="ReadWindow"/> HGETs in flight: a chunk that lies wholly inside
    /// the range is received straight into the destination and verified there (length and xxHash64), so each byte is
    /// copied once, by the kernel; the at most two chunks cut by the range's ends go through a scratch buffer. Returns
    /// false when the whole value vanished meanwhile (a newer commit replaced it and its grace period ended: re-resolve
    /// and retry); the destination then holds partial data, as it does after an exception.</summary>
    /// <exception cref="StoreCorruptException">A chunk is missing, short or fails its checksum.</exception>
    public static bool ReadInto(RedisConnection redis, IDatabase db, RedisKey key, int tensor, TensorLayout layout, long byteStart, Span<byte> destination)
    {
        var (first, last) = layout.ChunksCovering(byteStart, destination.Length);
        if (last < first)
        {
            return true;
        }

        var location = (string)key!;
        var keyBytes = (byte[])key!;
        var count = last - first + 1;
        var reader = redis.RentBulkReader(key);
        byte[]? scratch = null;
        var clean = false;
        try
        {
            var issued = 0;
            for (; issued < Math.Min(ReadWindow, count); issued++)
            {
                reader.QueueHashGet(keyBytes, FieldBytes(tensor, first + issued));
            }

            reader.Flush();

            // While the first replies arrive: map the destination's pages, which a new tensor does not have yet, in
            // one call instead of one page fault per 4 KiB inside the receives.
            HostPages.PopulateForWrite(destination);
            for (var next = 0; next < count; next++)
            {
                var c = first + next;
                var length = reader.ReadBulkLength();
                if (issued < count)
                {
                    // Ask for the next chunk before receiving this one, so the server sends while we receive.
                    reader.QueueHashGet(keyBytes, FieldBytes(tensor, first + issued));
                    reader.Flush();
                    issued++;
                }

                if (length < 0)
                {
                    if (!db.KeyExists(key))
                    {
                        return false;
                    }

                    throw new StoreCorruptException(location, string.Create(CultureInfo.InvariantCulture,
                        $"chunk {c} of '{layout.Name}' (field '{ChunkField(tensor, c)}') is missing: the value is truncated; re-save it"), null);
                }

                layout.CheckLength(location, c, length);
                var chunkStart = layout.ChunkOffset(c);
                var from = Math.Max(byteStart, chunkStart);
                var to = Math.Min(byteStart + destination.Length, chunkStart + length);
                if (from == chunkStart && to == chunkStart + length)
                {
                    var inPlace = destination.Slice((int)(chunkStart - byteStart), length);
                    reader.ReadBody(inPlace);
                    layout.CheckHash(location, c, inPlace); // its length was checked before receiving it
                }
                else
                {
                    scratch ??= ArrayPool<byte>.Shared.Rent(layout.ChunkBytes);
                    var chunk = scratch.AsSpan(0, length);
                    reader.ReadBody(chunk);
                    layout.CheckHash(location, c, chunk);
                    chunk[(int)(from - chunkStart)..(int)(to - chunkStart)].CopyTo(destination[(int)(from - byteStart)..]);
                }
            }

            clean = true;
        }
        finally
        {
            // After an early return or a failure, replies may still be on their way: the connection is not reusable.
            if (clean)
            {
                redis.ReturnBulkReader(reader);
            }
            else
            {
                reader.Dispose();
            }

            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        return true;
    }

    private static byte[] FieldBytes(int tensor, int chunk) => Encoding.ASCII.GetBytes((string)ChunkField(tensor, chunk)!);
}
