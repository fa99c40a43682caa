using System.Buffers;
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

    /// <summary>The elements' bytes of <paramref name="tensor"/> for reading while the returned owner lives: a lease over
    /// the tensor's own storage when it is a contiguous CPU tensor of at most 2 GiB (no copy; the tensor must not change
    /// until the owner is disposed), otherwise a copy in a new array. Owned by the caller.</summary>
    public static IMemoryOwner<byte> Borrow(Tensor tensor)
    {
        if (tensor.Device.Type == DeviceType.Cpu && tensor.IsContiguous && tensor.ByteLength <= int.MaxValue)
        {
            return tensor.LeaseBytes();
        }

        return new CopiedBytes(ToBytes(tensor));
    }

    /// <summary>Allocates a CPU tensor of <paramref name="dtype"/> and <paramref name="shape"/>, lets <paramref name="fill"/>
    /// write its element bytes in place (the memory is valid only during the call) and returns it (owned by the caller,
    /// or by the current scope), or null (nothing left allocated) when <paramref name="fill"/> returns false; disposed
    /// when <paramref name="fill"/> throws.</summary>
    public static Tensor? Fill(DType dtype, long[] shape, Func<Memory<byte>, bool> fill)
    {
        var tensor = Tensors.Empty(shape, dtype);
        try
        {
            bool done;
            using (var bytes = tensor.LeaseBytes())
            {
                done = fill(bytes.Memory);
            }

            if (done)
            {
                return tensor;
            }
        }
        catch
        {
            tensor.Dispose();
            throw;
        }

        tensor.Dispose();
        return null;
    }

    /// <summary>Writes the bytes of <paramref name="destination"/> in place: directly when it is a contiguous CPU tensor
    /// of <paramref name="dtype"/>, otherwise through a CPU tensor of <paramref name="dtype"/> copied into it (any device,
    /// layout or dtype; autograd off) when <paramref name="fill"/> returns true. Returns what <paramref name="fill"/>
    /// returned.</summary>
    public static bool FillInto(Tensor destination, DType dtype, Func<Memory<byte>, bool> fill)
    {
        if (destination.DType == dtype && destination.Device.Type == DeviceType.Cpu && destination.IsContiguous && destination.ByteLength <= int.MaxValue)
        {
            using var bytes = destination.LeaseBytes();
            return fill(bytes.Memory);
        }

        using var host = Fill(dtype, destination.Shape, fill);
        if (host is null)
        {
            return false;
        }

        using (Autograd.NoGrad())
        {
            destination.CopyFrom(host);
        }

        return true;
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

    private sealed class CopiedBytes(byte[] bytes) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = bytes;

        public void Dispose()
        {
        }
    }
}
