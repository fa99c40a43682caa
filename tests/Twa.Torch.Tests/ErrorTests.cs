using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Torch.Tests;

/// <summary>Bad input raises a typed .NET exception carrying libtorch's message (no C++ backtrace),
/// and the process goes on working.</summary>
public sealed class ErrorTests
{
    private static void AssertCleanMessage(Exception e)
    {
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.DoesNotContain("Exception raised from", e.Message, StringComparison.Ordinal); // libtorch's backtrace header
        Assert.DoesNotContain("frame #", e.Message, StringComparison.Ordinal);
    }

    private static void AssertStillWorks()
    {
        using var a = Tensors.Ones([2, 2]);
        using var b = a.Mm(a);
        Assert.Equal(new float[] { 2, 2, 2, 2 }, b.ToArray<float>());
    }

    [Fact]
    public void Mm_MismatchedShapes_ThrowsTorchExceptionWithShapes()
    {
        using var a = Tensors.Ones([2, 3]);
        using var b = Tensors.Ones([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.Mm(b));
        Assert.Contains("2x3", e.Message, StringComparison.Ordinal);
        AssertCleanMessage(e);
        AssertStillWorks();
    }

    [Fact]
    public void Add_DtypeMismatchInPlace_ThrowsTorchException()
    {
        using var a = Tensors.Ones([3], DType.Int64);
        using var b = Tensors.Ones([3], DType.Float32);
        var e = Assert.Throws<TorchException>(() => a.AddInPlace(b));
        Assert.Contains("Float", e.Message, StringComparison.Ordinal);
        AssertCleanMessage(e);
        AssertStillWorks();
    }

    [Fact]
    public void Zeros_CudaOnCpuBuild_ThrowsTorchException()
    {
        if (LibTorch.CudaDeviceCount > 0)
        {
            using var onGpu = Tensors.Zeros([2], device: Device.Cuda(0)); // a CUDA build must accept it
            Assert.Equal(DeviceType.Cuda, onGpu.Device.Type);
            return;
        }

        var e = Assert.Throws<TorchException>(() => Tensors.Zeros([2], device: Device.Cuda(0)));
        Assert.Contains("CUDA", e.Message, StringComparison.Ordinal);
        AssertCleanMessage(e);
        AssertStillWorks();
    }

    [Fact]
    public void Select_IndexOutOfRange_ThrowsArgumentException()
    {
        using var a = Tensors.Zeros([3, 4]);
        var e = Assert.Throws<ArgumentException>(() => a.Select(0, 7));
        Assert.Contains("out of range", e.Message, StringComparison.OrdinalIgnoreCase);
        AssertCleanMessage(e);
        AssertStillWorks();
    }

    [Fact]
    public void IndexSelect_IndexBeyondSize_ThrowsArgumentException()
    {
        using var a = Tensors.Zeros([3, 4]);
        using var index = Tensors.FromArray<long>([0, 9]);
        var e = Assert.Throws<ArgumentException>(() => a.IndexSelect(0, index));
        Assert.Contains("out of range", e.Message, StringComparison.Ordinal);
        AssertCleanMessage(e);
        AssertStillWorks();
    }

    [Fact]
    public void CheckFinite_NaN_ThrowsArgumentExceptionNamingTheTensor()
    {
        using var a = Tensors.FromArray<float>([1, float.NaN, 3]);
        var e = Assert.Throws<ArgumentException>(() => a.CheckFinite("twa.loss"));
        Assert.Contains("twa.loss", e.Message, StringComparison.Ordinal);
        Assert.Contains("1 NaN", e.Message, StringComparison.Ordinal);
        AssertStillWorks();
    }

    [Fact]
    public void Cholesky_NotPositiveDefinite_ThrowsTorchException()
    {
        using var a = Tensors.FromArray<double>([1, 2, 2, 1], [2, 2]);
        var e = Assert.Throws<TorchException>(() => Linalg.Cholesky(a));
        AssertCleanMessage(e);
        AssertStillWorks();
    }

    [Fact]
    public void Dropout_ProbabilityOutsideUnitInterval_ThrowsArgumentException()
    {
        using var a = Tensors.Ones([4]);
        var e = Assert.Throws<ArgumentException>(() => Functional.Dropout(a, 1.5, training: true));
        Assert.Contains("[0, 1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSpan_ByteCountDoesNotMatchShape_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensors.FromSpan<float>([1, 2, 3], DType.Float32, [2, 2]));
        Assert.Contains("12 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToArray_WrongElementType_ThrowsArgumentException()
    {
        using var a = Tensors.Ones([2], DType.Float64);
        Assert.Throws<ArgumentException>(() => a.ToArray<float>());
    }

    [Fact]
    public void Backward_NonScalarWithoutGradient_ThrowsTorchException()
    {
        using var a = Tensors.Ones([3], requiresGrad: true);
        using var b = a.Mul(2.0);
        var e = Assert.Throws<TorchException>(() => b.Backward());
        Assert.Contains("scalar", e.Message, StringComparison.Ordinal);
        AssertStillWorks();
    }

    [Fact]
    public void DisposedTensor_Use_ThrowsObjectDisposedException()
    {
        var a = Tensors.Ones([2]);
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Sum());
    }

    [Fact]
    public void Errors_OnManyThreads_KeepTheirOwnMessages()
    {
        // The last-error buffer is thread-local: concurrent failures must not swap messages.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 64, i =>
        {
            using var a = Tensors.Ones([2, i + 2]);
            using var b = Tensors.Ones([i + 5, 2]);
            try
            {
                a.Mm(b);
            }
            catch (TorchException e)
            {
                if (!e.Message.Contains($"2x{i + 2}", StringComparison.Ordinal))
                {
                    failures.Add(e.Message);
                }
            }
        });
        Assert.Empty(failures);
    }
}
