using System.Globalization;
using System.IO.Hashing;
using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>How one tensor of a stored value is cut into chunks: dtype, shape, byte length, chunk size and the
/// xxHash64 of every chunk (the last chunk may be short). Immutable.</summary>
internal sealed record TensorLayout(string Name, DType DType, long[] Shape, long ByteLength, int ChunkBytes, ulong[] ChunkHashes)
{
    public int ChunkCount => ChunkHashes.Length;

    public long NumElements => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Number of chunks needed for <paramref name="byteLength"/> bytes.</summary>
    public static int CountChunks(long byteLength, int chunkBytes) => checked((int)((byteLength + chunkBytes - 1) / chunkBytes));

    /// <summary>Cuts <paramref name="data"/> into chunks and hashes each.</summary>
    public static TensorLayout Describe(string name, DType dtype, long[] shape, ReadOnlySpan<byte> data, int chunkBytes)
    {
        var hashes = new ulong[CountChunks(data.Length, chunkBytes)];
        for (var i = 0; i < hashes.Length; i++)
        {
            var offset = (long)i * chunkBytes;
            hashes[i] = XxHash64.HashToUInt64(data.Slice((int)offset, (int)Math.Min(chunkBytes, data.Length - offset)));
        }

        return new TensorLayout(name, dtype, shape, data.Length, chunkBytes, hashes);
    }

    /// <summary>Byte offset of chunk <paramref name="index"/>.</summary>
    public long ChunkOffset(int index) => (long)index * ChunkBytes;

    /// <summary>Byte length of chunk <paramref name="index"/> (the last one may be short).</summary>
    public int ChunkLength(int index) => (int)Math.Min(ChunkBytes, ByteLength - ChunkOffset(index));

    /// <summary>The chunks [first, last] covering bytes [byteStart, byteStart + byteCount); (0, -1) when empty.</summary>
    public (int First, int Last) ChunksCovering(long byteStart, long byteCount) =>
        byteCount == 0 ? (0, -1) : ((int)(byteStart / ChunkBytes), (int)((byteStart + byteCount - 1) / ChunkBytes));

    /// <summary>Throws <see cref="StoreCorruptException"/> naming <paramref name="location"/> when chunk
    /// <paramref name="index"/> has the wrong length or checksum.</summary>
    public void Verify(string location, int index, ReadOnlySpan<byte> chunk)
    {
        CheckLength(location, index, chunk.Length);
        CheckHash(location, index, chunk);
    }

    /// <summary>Throws <see cref="StoreCorruptException"/> naming <paramref name="location"/> when
    /// <paramref name="length"/> is not the length of chunk <paramref name="index"/> (a reply's announced length can be
    /// checked before its body is received).</summary>
    public void CheckLength(string location, int index, long length)
    {
        var expected = ChunkLength(index);
        if (length != expected)
        {
            throw new StoreCorruptException(location, string.Create(CultureInfo.InvariantCulture,
                $"chunk {index} of '{Name}' is {length} bytes but its header says {expected}: the value is truncated or was overwritten; re-save it"), null);
        }
    }

    /// <summary>Throws <see cref="StoreCorruptException"/> naming <paramref name="location"/> when
    /// <paramref name="chunk"/>, already of chunk <paramref name="index"/>'s length (<see cref="CheckLength"/>), fails
    /// its xxHash64.</summary>
    public void CheckHash(string location, int index, ReadOnlySpan<byte> chunk)
    {
        var actual = XxHash64.HashToUInt64(chunk);
        if (actual != ChunkHashes[index])
        {
            throw new StoreCorruptException(location, string.Create(CultureInfo.InvariantCulture,
                $"chunk {index} of '{Name}' (bytes {ChunkOffset(index)}..{ChunkOffset(index) + chunk.Length}) fails its xxHash64 check " +
                $"(stored {ChunkHashes[index]:x16}, computed {actual:x16}): the data is corrupt; delete it and re-save"), null);
        }
    }
}
