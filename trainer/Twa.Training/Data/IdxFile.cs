using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace Twa.Training.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (detected by content):
/// a big-endian header <c>0x00 0x00 type ndim</c>, then <c>ndim</c> big-endian u32 sizes, then the data.
/// Only unsigned-byte data (type 0x08) is accepted, which is what these datasets use.
/// </summary>
public static class IdxFile
{
    /// <summary>The sizes and the raw u8 payload of the file at <paramref name="path"/>.</summary>
    /// <exception cref="DatasetException">Missing, truncated or not an unsigned-byte IDX file, or a dimension of 2^31 or
    /// more.</exception>
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            {
                using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gz.CopyTo(plain);
                bytes = plain.ToArray();
            }
        }
        catch (FileNotFoundException)
        {
            throw new DatasetException($"{path}: file not found");
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: corrupt gzip data ({e.Message})");
        }

        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
        {
            throw new DatasetException($"{path}: not an IDX file (expected the magic bytes 00 00 08 N)");
        }

        if (bytes[2] != 0x08)
        {
            throw new DatasetException($"{path}: IDX element type 0x{bytes[2]:x2} is not supported (expected 0x08, unsigned bytes)");
        }

        var ndim = bytes[3];
        if (bytes.Length < 4 + 4 * ndim)
        {
            throw new DatasetException($"{path}: truncated IDX header");
        }

        var shape = new int[ndim];
        BigInteger count = 1; // up to 255 sizes below 2^31: the product may exceed any fixed-width integer
        for (var i = 0; i < ndim; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (size > int.MaxValue)
            {
                throw new DatasetException(
                    $"{path}: IDX dimension {i} is {size}, more than the {int.MaxValue} a dimension may hold; the header is corrupt or the file is not an IDX file");
            }

            shape[i] = (int)size;
            count *= size;
        }

        var offset = 4 + 4 * ndim;
        if (bytes.Length - offset != count)
        {
            throw new DatasetException(
                $"{path}: IDX header announces {count} values ({string.Join("x", shape)}) but the file holds {bytes.Length - offset}; the file is truncated or corrupt");
        }

        return (shape, bytes[offset..]);
    }

    /// <summary>Writes an unsigned-byte IDX file (gzip-compressed when the path ends in .gz).</summary>
    public static void Write(string path, ReadOnlySpan<int> shape, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(path);
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"shape {string.Join("x", shape.ToArray())} needs {count} bytes, got {data.Length}");
        }

        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (var i = 0; i < shape.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), (uint)shape[i]);
        }

        using var file = File.Create(path);
        using Stream target = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        target.Write(header);
        target.Write(data);
    }
}
