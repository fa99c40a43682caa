using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Torch.Tests;

/// <summary>Values, dtypes, devices and metadata of the core tensor API.</summary>
public sealed class TensorTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    public void To_EveryDtype_RoundTripsSmallIntegers(DType dtype)
    {
        using var scope = new TensorScope();
        var a = Tensors.FromArray<double>([0, 1, 2, 3, 250], [5]);
        var back = a.To(dtype).To(DType.Float64);
        Assert.Equal(dtype, a.To(dtype).DType);
        Assert.Equal(dtype.ElementSize(), (int)(a.To(dtype).NumElements * dtype.ElementSize() / 5));
        Assert.Equal(new double[] { 0, 1, 2, 3, 250 }, back.ToArray<double>());
    }

    [Fact]
    public void FromSpan_BFloat16Bits_ReadsBackExactly()
    {
        // 1.0 = 0x3F80, -2.0 = 0xC000, 0.5 = 0x3F00 in bfloat16.
        using var scope = new TensorScope();
        var t = Tensors.FromSpan<ushort>([0x3F80, 0xC000, 0x3F00], DType.BFloat16, [3]);
        Assert.Equal(new double[] { 1, -2, 0.5 }, t.To(DType.Float64).ToArray<double>());
        Assert.Equal(new ushort[] { 0x3F80, 0xC000, 0x3F00 }, t.ToArray<ushort>());
    }

    [Fact]
    public void Metadata_Matrix_ReportsShapeStridesDeviceAndContiguity()
    {
        using var scope = new TensorScope();
        var a = Tensors.Zeros([3, 4], DType.Float64);
        Assert.Equal([3L, 4L], a.Shape);
        Assert.Equal([4L, 1L], a.Strides);
        Assert.Equal(12, a.NumElements);
        Assert.Equal(2, a.Dim);
        Assert.Equal(Device.Cpu, a.Device);
        Assert.True(a.IsContiguous);
        var t = a.T();
        Assert.False(t.IsContiguous);
        Assert.True(t.SharesStorageWith(a));
        Assert.Equal("Tensor[4, 3] Float64 cpu", t.ToString());
    }

    [Fact]
    public void Narrow_WritesThroughToTheBase()
    {
        using var scope = new TensorScope();
        var a = Tensors.Zeros([6]);
        a.Narrow(0, 2, 3).FillInPlace(7);
        Assert.Equal(new float[] { 0, 0, 7, 7, 7, 0 }, a.ToArray<float>());
    }

    [Fact]
    public void Arithmetic_OperatorsAndScalars_ComputeExpectedValues()
    {
        using var scope = new TensorScope();
        var a = Tensors.FromArray<double>([1, 2, 3]);
        var b = Tensors.FromArray<double>([4, 5, 6]);
        Assert.Equal(new double[] { 1.5, 2.5, 3.5 }, ((a + b) / 2.0 - 1.0).ToArray<double>());
        Assert.Equal(new double[] { 9, 8, 7 }, (10.0 - a).ToArray<double>());
        Assert.Equal(new double[] { 12, 6, 4 }, (12.0 / a).ToArray<double>());
        Assert.Equal(32.0, a.Dot(b).Item());
        Assert.Equal(new double[] { 3, 4.5, 6 }, a.Add(b, alpha: 0.5).ToArray<double>());
        Assert.Equal(new double[] { -7, -8, -9 }, a.Sub(b, alpha: 2).ToArray<double>());
    }

    [Fact]
    public void Reductions_KnownMatrix_GiveKnownValues()
    {
        using var scope = new TensorScope();
        var a = Tensors.FromArray<double>([1, 5, 3, 4, 2, 6], [2, 3]);
        Assert.Equal(21.0, a.Sum().Item());
        Assert.Equal(new double[] { 9, 12 }, a.Sum([1]).ToArray<double>());
        Assert.Equal(new double[] { 2.5, 3.5, 4.5 }, a.Mean([0]).ToArray<double>());
        Assert.Equal(6.0, a.Max().Item());
        Assert.Equal(new long[] { 1, 2 }, a.ArgMax(1).ToArray<long>());
        Assert.Equal(Math.Sqrt(91), a.Norm().Item(), 12);
        Assert.Equal(new double[] { 4.5, 4.5, 4.5 }, a.Var([0]).ToArray<double>());
        Assert.All(a.Var([1], correction: 0).ToArray<double>(), v => Assert.Equal(8.0 / 3, v, 12));
        Assert.True(a.Gt(5.5).Any().Item() != 0);
        Assert.False(a.Gt(6).Any().Item() != 0);
    }

    [Fact]
    public void ScalarOps_OnIntegerTensors_StayInteger()
    {
        using var scope = new TensorScope();
        var count = Tensors.Zeros([], DType.Int64);
        count.AddInPlace(1).AddInPlace(2);
        Assert.Equal(DType.Int64, count.DType);
        Assert.Equal(new long[] { 3 }, count.ToArray<long>());
        var v = Tensors.FromArray<long>([4, 6]).Mul(3.0);
        Assert.Equal(new long[] { 12, 18 }, v.ToArray<long>());
        Assert.Equal(DType.Float32, Tensors.FromArray<long>([1]).Mul(0.5).DType); // a fractional scalar promotes
    }

    [Fact]
    public void BitwiseOps_OnBytes_PackAndUnpack()
    {
        using var scope = new TensorScope();
        var low = Tensors.FromArray<byte>([0x3, 0x0, 0xF]);
        var high = Tensors.FromArray<byte>([0x1, 0xA, 0x0]);
        var packed = low.BitwiseOr(high.ShiftLeft(4));
        Assert.Equal(new byte[] { 0x13, 0xA0, 0x0F }, packed.ToArray<byte>());
        Assert.Equal(new byte[] { 0x1, 0xA, 0x0 }, packed.ShiftRight(4).ToArray<byte>());
        Assert.Equal(new byte[] { 0x3, 0x0, 0xF }, packed.BitwiseAnd(0xF).ToArray<byte>());
        Assert.Equal(DType.UInt8, packed.DType);
    }

    [Fact]
    public void MmOut_WritesIntoPreallocatedResult()
    {
        using var scope = new TensorScope();
        var a = Tensors.FromArray<float>([1, 2, 3, 4], [2, 2]);
        var result = Tensors.Zeros([2, 2]);
        Tensors.MmOut(result, a, a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, result.ToArray<float>());
    }

    [Fact]
    public void Generator_SameSeed_SameStream_AndStateRestores()
    {
        using var scope = new TensorScope();
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        Assert.Equal(Tensors.Randn([5], g1).ToArray<float>(), Tensors.Randn([5], g2).ToArray<float>());
        var state = g1.GetState();
        var next = Tensors.Rand([4], g1).ToArray<float>();
        g1.SetState(state);
        Assert.Equal(next, Tensors.Rand([4], g1).ToArray<float>());
        var perm = Tensors.RandPerm(10, g1).ToArray<long>();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), perm.Order());
    }

    [Fact]
    public void BatchNorm_Training_UpdatesRunningStatsWithMomentum()
    {
        using var scope = new TensorScope();
        var x = Tensors.FromArray<double>([1, 3, 5, 7], [4, 1]);
        var mean = Tensors.Zeros([1], DType.Float64);
        var variance = Tensors.Ones([1], DType.Float64);
        _ = Functional.BatchNorm(x, mean, variance, null, null, training: true, momentum: 1.0);
        Assert.Equal(4.0, mean.Item(), 12);
        Assert.Equal(20.0 / 3.0, variance.Item(), 12); // unbiased batch variance
    }

    [Fact]
    public void NoGrad_DisablesRecordingAndRestores()
    {
        using var scope = new TensorScope();
        var w = Tensors.Ones([2], requiresGrad: true);
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsGradEnabled);
            Assert.False(w.Mul(2.0).RequiresGrad);
        }

        Assert.True(Autograd.IsGradEnabled);
        Assert.True(w.Mul(2.0).RequiresGrad);
    }

    [Fact]
    public void Device_Parse_AcceptsKnownFormsAndRejectsOthers()
    {
        Assert.Equal(Device.Cpu, Device.Parse("CPU"));
        Assert.Equal(Device.Cuda(), Device.Parse("cuda"));
        Assert.Equal(Device.Cuda(3), Device.Parse("cuda:3"));
        Assert.Equal("cuda:3", Device.Cuda(3).ToString());
        Assert.Throws<FormatException>(() => Device.Parse("tpu"));
    }

    [Fact]
    public void LibTorch_Version_Is113OrLater()
    {
        var parts = LibTorch.Version.Split('.');
        Assert.True(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("BLAS", LibTorch.BuildConfig, StringComparison.Ordinal);
        Assert.True(LibTorch.NumThreads >= 1);
    }
}
