using System.Buffers.Binary;
using System.Text;

namespace Twa.Torch.Tests.Serialization;

/// <summary>Builds safetensors files byte by byte, straight from the format description, independent of the
/// code under test.</summary>
public static class SafetensorsBytes
{
    /// <summary>8-byte little-endian <paramref name="headerLength"/> (default: the JSON's byte count), the JSON
    /// header bytes as given, then <paramref name="buffer"/>.</summary>
    public static byte[] Build(string json, ReadOnlySpan<byte> buffer, ulong? headerLength = null) =>
        Build(Encoding.UTF8.GetBytes(json), buffer, headerLength);

    public static byte[] Build(byte[] header, ReadOnlySpan<byte> buffer, ulong? headerLength = null)
    {
        var file = new byte[8 + header.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        buffer.CopyTo(file.AsSpan(8 + header.Length));
        return file;
    }

    public static byte[] Le(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    public static byte[] Le(params long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    public static byte[] Le(params double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    /// <summary>The raw bytes of a tensor's elements (row-major).</summary>
    public static byte[] Of(Tensor t)
    {
        var bytes = new byte[t.NumElements * t.DType.ElementSize()];
        t.CopyTo(bytes);
        return bytes;
    }
}
