using System.Runtime.InteropServices;
using Twa.Torch;

namespace Twa.Torch.Tests;

/// <summary>Byte access to a tensor's storage without copies: <see cref="Tensor.LeaseBytes(long, int)"/>,
/// <see cref="Tensor.CopyFromBytes"/> and <see cref="Tensor.ByteLength"/>.</summary>
public sealed class TensorMemoryTests
{
    [Fact]
    public void LeaseBytes_WholeTensor_SpanHoldsTheCurrentElementBytes()
    {
        using var t = Tensors.FromArray<float>([1.5f, -2f, 3.25f], [3]);
        using var lease = t.LeaseBytes();
        Assert.Equal(12, lease.Length);
        Assert.Equal(new float[] { 1.5f, -2f, 3.25f }, MemoryMarshal.Cast<byte, float>(lease.GetSpan()).ToArray());
    }

    [Fact]
    public void LeaseBytes_WriteThroughMemory_ChangesTheTensorInPlace()
    {
        using var t = Tensors.Zeros([4], DType.Int64);
        using (var lease = t.LeaseBytes())
        {
            var memory = lease.Memory;
            MemoryMarshal.Cast<byte, long>(memory.Span)[2] = 42;
        }

        Assert.Equal(new long[] { 0, 0, 42, 0 }, t.ToArray<long>());
    }

    [Fact]
    public void LeaseBytes_RowViewWithStorageOffset_CoversOnlyThatRow()
    {
        using var matrix = Tensors.Zeros([3, 2]);
        using var row = matrix.Select(0, 1);
        using (var lease = row.LeaseBytes())
        {
            Assert.Equal(8, lease.Length);
            MemoryMarshal.Cast<byte, float>(lease.GetSpan()).Fill(7f);
        }

        Assert.Equal(new float[] { 0, 0, 7, 7, 0, 0 }, matrix.ToArray<float>());
    }

    [Fact]
    public void LeaseBytes_Range_CoversOnlyThoseBytes()
    {
        using var t = Tensors.FromArray<byte>([1, 2, 3, 4, 5], [5]);
        using var lease = t.LeaseBytes(1, 3);
        Assert.Equal(new byte[] { 2, 3, 4 }, lease.GetSpan().ToArray());
        lease.GetSpan()[0] = 9;
        Assert.Equal(new byte[] { 1, 9, 3, 4, 5 }, t.ToArray<byte>());
    }

    [Theory]
    [InlineData(-1, 4)]
    [InlineData(0, 13)]
    [InlineData(12, 1)]
    [InlineData(4, -1)]
    public void LeaseBytes_RangeOutsideTheTensor_ThrowsNamingRangeAndLength(long offset, int count)
    {
        using var t = Tensors.Zeros([3]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.LeaseBytes(offset, count).Dispose());
        Assert.Contains($"[{offset}, {offset + count})", e.Message, StringComparison.Ordinal);
        Assert.Contains("outside the 12 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeaseBytes_TransposedView_ThrowsNamingStridesAndFix()
    {
        using var m = Tensors.Zeros([2, 3]);
        using var t = m.T();
        var e = Assert.Throws<InvalidOperationException>(() => t.LeaseBytes().Dispose());
        Assert.Contains("LeaseBytes needs a contiguous tensor", e.Message, StringComparison.Ordinal);
        Assert.Contains("strides [1, 3]", e.Message, StringComparison.Ordinal);
        Assert.Contains("Contiguous()", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CopyFromBytes_TransposedView_ThrowsAndLeavesItUnchanged()
    {
        using var m = Tensors.Zeros([2, 3]);
        using var t = m.T();
        var e = Assert.Throws<InvalidOperationException>(() => t.CopyFromBytes(new byte[4]));
        Assert.Contains("CopyFromBytes needs a contiguous tensor", e.Message, StringComparison.Ordinal);
        Assert.Equal(new float[6], m.ToArray<float>());
    }

    [Fact]
    public void CheckHostContiguous_CudaTensor_ThrowsNamingDeviceAndFix()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            Tensor.CheckHostContiguous("LeaseBytes", "Tensor[4] Float32 cuda:0", Device.Cuda(0), contiguous: true, []));
        Assert.Contains("LeaseBytes needs a CPU tensor, but Tensor[4] Float32 cuda:0 is on cuda:0", e.Message, StringComparison.Ordinal);
        Assert.Contains("To(Device.Cpu)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeaseBytes_RealCudaTensor_ThrowsNamingDevice()
    {
        if (LibTorch.CudaDeviceCount == 0)
        {
            // A CPU build cannot make a CUDA tensor; the check itself is covered by CheckHostContiguous_CudaTensor_ThrowsNamingDeviceAndFix.
            Assert.Throws<TorchException>(() => Tensors.Zeros([2], device: Device.Cuda(0)));
            return;
        }

        using var onGpu = Tensors.Zeros([4], device: Device.Cuda(0));
        var e = Assert.Throws<InvalidOperationException>(() => onGpu.LeaseBytes().Dispose());
        Assert.Contains("needs a CPU tensor", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => onGpu.CopyFromBytes(new byte[4]));
    }

    [Fact]
    public void CopyFromBytes_AtAnOffset_WritesOnlyThoseElements()
    {
        using var t = Tensors.Zeros([4]);
        t.CopyFromBytes(MemoryMarshal.AsBytes<float>([5f, 6f]), byteOffset: 4);
        Assert.Equal(new float[] { 0, 5, 6, 0 }, t.ToArray<float>());
    }

    [Fact]
    public void CopyFromBytes_MoreBytesThanFit_ThrowsAndWritesNothing()
    {
        using var t = Tensors.Zeros([2]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.CopyFromBytes(new byte[8], byteOffset: 4));
        Assert.Contains("bytes [4, 12) are outside the 8 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(new float[2], t.ToArray<float>());
    }

    [Fact]
    public void CopyFromBytes_EmptySourceIntoEmptyTensor_DoesNothing()
    {
        using var t = Tensors.Zeros([0]);
        t.CopyFromBytes([]);
        using var lease = t.LeaseBytes();
        Assert.Equal(0, lease.Length);
        Assert.True(lease.GetSpan().IsEmpty);
    }

    [Theory]
    [InlineData(DType.Float32, 12)]
    [InlineData(DType.Float64, 24)]
    [InlineData(DType.BFloat16, 6)]
    [InlineData(DType.Bool, 3)]
    public void ByteLength_EveryDtype_IsElementsTimesElementSize(DType dtype, long expected)
    {
        using var t = Tensors.Zeros([3], dtype);
        Assert.Equal(expected, t.ByteLength);
    }

    [Fact]
    public void LeaseBytes_Disposed_SpanAndPinThrowObjectDisposed()
    {
        using var t = Tensors.Zeros([2]);
        var lease = t.LeaseBytes();
        lease.Dispose();
        lease.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lease.GetSpan());
        Assert.Throws<ObjectDisposedException>(() => lease.Pin());
    }
}
