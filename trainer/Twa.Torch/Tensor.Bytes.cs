using System.Globalization;
using Twa.Torch.Native;

namespace Twa.Torch;

public sealed partial class Tensor
{
    /// <summary>Bytes the elements occupy: <see cref="NumElements"/> times the dtype's element size.</summary>
    public long ByteLength => checked(NumElements * DType.ElementSize());

    /// <summary>Lends bytes [<paramref name="byteOffset"/>, <paramref name="byteOffset"/> + <paramref name="byteCount"/>)
    /// of this tensor's elements as writable memory over its storage, without copying (see <see cref="TensorMemory"/>
    /// for lifetime and thread-safety). The returned lease is owned by the caller and must be disposed.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not on the CPU or not contiguous (the message says
    /// which and how to get a tensor that is).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the tensor's <see cref="ByteLength"/>.</exception>
    public unsafe TensorMemory LeaseBytes(long byteOffset, int byteCount)
    {
        var data = HostBytes(nameof(LeaseBytes), byteOffset, byteCount);
        var status = NativeMethods.twa_tensor_alias(Handle, out var alias);
        if (status != Status.Ok)
        {
            alias.Dispose();
            Status.Check(status);
        }

        return new TensorMemory(alias, data, byteCount);
    }

    /// <summary>Lends all of this tensor's element bytes; see <see cref="LeaseBytes(long, int)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tensor holds more than <see cref="int.MaxValue"/> bytes: lease
    /// it in ranges instead.</exception>
    public TensorMemory LeaseBytes()
    {
        var length = ByteLength;
        if (length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseBytes), length,
                $"{this} holds {length} bytes, more than one lease can cover ({int.MaxValue}); use LeaseBytes(byteOffset, byteCount) per range");
        }

        return LeaseBytes(0, (int)length);
    }

    /// <summary>Copies <paramref name="source"/> (raw element bytes, machine byte order) into this tensor's elements,
    /// starting <paramref name="byteOffset"/> bytes into them: one copy, straight into the storage. Bypasses autograd
    /// like a copy under no_grad. Not thread-safe with other writers of the same tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not on the CPU or not contiguous.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The bytes would not fit inside the tensor's <see cref="ByteLength"/>.</exception>
    public unsafe void CopyFromBytes(ReadOnlySpan<byte> source, long byteOffset = 0)
    {
        var data = HostBytes(nameof(CopyFromBytes), byteOffset, source.Length);
        source.CopyTo(new Span<byte>(data, source.Length));
        GC.KeepAlive(this);
    }

    /// <summary>Checks the tensor is a contiguous CPU tensor and the byte range lies inside it; returns the address of
    /// its first byte.</summary>
    private unsafe byte* HostBytes(string operation, long byteOffset, int byteCount)
    {
        var contiguous = IsContiguous;
        CheckHostContiguous(operation, ToString(), Device, contiguous, contiguous ? [] : Strides);
        var length = ByteLength;
        if (byteOffset < 0 || byteCount < 0 || byteOffset > length || byteCount > length - byteOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(byteOffset), string.Create(CultureInfo.InvariantCulture,
                $"{operation}: bytes [{byteOffset}, {byteOffset + byteCount}) are outside the {length} bytes of {this}"));
        }

        return byteCount == 0 ? null : (byte*)DataPointer + byteOffset;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> naming <paramref name="operation"/>, the tensor and the fix
    /// when it is not on the CPU or not contiguous.</summary>
    internal static void CheckHostContiguous(string operation, string tensor, Device device, bool contiguous, long[] strides)
    {
        if (device.Type != DeviceType.Cpu)
        {
            throw new InvalidOperationException(
                $"{operation} needs a CPU tensor, but {tensor} is on {device}: copy it with To(Device.Cpu), and back with CopyFrom afterwards");
        }

        if (!contiguous)
        {
            throw new InvalidOperationException(
                $"{operation} needs a contiguous tensor, but {tensor} has strides [{string.Join(", ", strides)}] (a transposed or strided view): " +
                "use Contiguous() to get a dense copy, and copy it back with CopyFrom afterwards");
        }
    }
}
