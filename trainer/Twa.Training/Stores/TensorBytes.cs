using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>Moves tensor elements to and from host byte buffers (little-endian element bytes, row-major).</summary>
internal static class TensorBytes
{
    /// <summary>A new array with the elements of <paramref name="tensor"/> (any device and layout; not modified).</summary>
    public static byte[] ToBytes(Tensor tensor)
    {
        var bytes = new byte[checked(tensor.NumElements * tensor.DType.ElementSize())];
        if (bytes.Length > 0)
        {
            tensor.CopyTo(bytes);
        }

        return bytes;
    }

    /// <summary>A new CPU tensor (owned by the caller) holding <paramref name="data"/>.</summary>
    public static Tensor ToTensor(ReadOnlySpan<byte> data, DType dtype, long[] shape) => Tensors.FromSpan(data, dtype, shape);

    /// <summary>Copies <paramref name="data"/> (elements of <paramref name="destination"/>'s dtype) into
    /// <paramref name="destination"/> (any device; may be a view such as a matrix row).</summary>
    public static void CopyInto(ReadOnlySpan<byte> data, Tensor destination)
    {
        using var source = Tensors.FromSpan(data, destination.DType, [destination.NumElements]);
        using var shaped = source.View(destination.Shape);
        using (Autograd.NoGrad())
        {
            destination.CopyFrom(shaped);
        }
    }

    /// <summary>Throws when [start, start + count) is not inside [0, length).</summary>
    public static void CheckRange(string location, long start, long count, long length)
    {
        if (start < 0 || count < 0 || start > length || count > length - start)
        {
            throw new ArgumentOutOfRangeException(nameof(start),
                $"{location}: elements [{start}, {start + count}) are outside the vector of {length} elements");
        }
    }
}
