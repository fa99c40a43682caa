using Twa.Torch;
using Twa.Training.Averaging;
using Twa.Training.Distributed;

namespace Twa.Training.Tests.Averaging;

/// <summary>The fused projection products of <see cref="QuantizedBasis"/> (packed codes read in place) against the
/// unfused reference (<see cref="QuantizedBasis.Dequantize()"/> then <see cref="CenteredTwa.CoefficientGradient"/> /
/// <see cref="CenteredTwa.Reconstruct"/> in f64), at every width and over column ranges that start mid-byte, cross
/// the kernel's 2048-column chunks and cut blocks. Alone: one test sets <c>LibTorch.NumThreads</c>.</summary>
[Collection(nameof(ProcessGlobalState))]
public sealed class QuantizedBasisProjectionTests
{
    // D = 5003 over four blocks; the second crosses the first 2048-column chunk boundary, the third is tiny.
    private static readonly long[] s_blocks = [1000, 2049, 7, 1947];
    private const long Rows = 5;
    private const long D = 5003;

    public static TheoryData<int, long, long> Cases()
    {
        var data = new TheoryData<int, long, long>();
        foreach (var bits in new[] { 1, 2, 3, 4, 5, 8, 16, 32 })
        {
            data.Add(bits, 0, D);          // everything
            data.Add(bits, 3, D - 8);      // odd start (mid-byte below 8 bits), odd end
            data.Add(bits, 1001, 2050);    // inside block 1 from an odd column, over the chunk boundary at 2048
            data.Add(bits, 2995, 61);      // ends of blocks 1 and 3 and all of block 2
        }

        return data;
    }

    private static (Tensor Normalized, Tensor Ids) Basis(ulong seed)
    {
        using var g = new Generator(seed);
        var ids = BlockPartition.ColumnBlockIds(s_blocks, Device.Cpu);
        var normalized = CenteredTwa.Normalize(Tensors.Randn([Rows, D], g), s_blocks);
        return (normalized, ids);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CoefficientGradient_ColumnRange_MatchesTheDequantizedReference(int bits, long start, long count)
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(11);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, bits);
        using var gen = new Generator(12);
        var g = Tensors.Randn([D], gen);
        var p = basis.Dequantize().Narrow(1, start, count).To(DType.Float64);
        var gr = g.Narrow(0, start, count).To(DType.Float64);
        var idsr = ids.Narrow(0, start, count);
        var expected = Tensors.Zeros([Rows, s_blocks.Length], DType.Float64);
        CenteredTwa.CoefficientGradient(p, gr, idsr, expected);
        var magnitude = Tensors.Zeros([Rows, s_blocks.Length], DType.Float64);
        CenteredTwa.CoefficientGradient(p.Abs(), gr.Abs(), idsr, magnitude);

        foreach (var isa in PackedProjection.AvailableIsas)
        {
            var actual = Tensors.Full([Rows, s_blocks.Length], 123.0);
            WithIsa(isa, () => basis.CoefficientGradient(g, actual, new ColumnRange(start, count)));

            var error = actual.To(DType.Float64).Sub(expected).Abs().Sub(magnitude.Mul(1e-5).Add(1e-6)).Max().Item();
            Assert.True(error <= 0, $"{isa}, bits {bits}, columns {start}+{count}: an entry exceeds its tolerance by {error}");
            // Blocks without a covered column are exactly 0 (the kernel overwrites, it does not accumulate).
            Assert.Equal(expected.Eq(0).ToArray<bool>(), actual.Eq(0).ToArray<bool>());
        }
    }

    /// <summary>Runs <paramref name="body"/> with the projection kernels on <paramref name="isa"/> (this thread
    /// only), then back on the best set.</summary>
    private static void WithIsa(ProjectionIsa isa, Action body)
    {
        PackedProjection.Isa = isa;
        try
        {
            Assert.Equal(isa, PackedProjection.Isa);
            body();
        }
        finally
        {
            PackedProjection.Isa = PackedProjection.BestIsa;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reconstruct_ColumnRange_MatchesTheDequantizedReferenceAndLeavesOtherColumns(int bits, long start, long count)
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(21);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, bits);
        using var gen = new Generator(22);
        var center = Tensors.Randn([D], gen);
        var x = Tensors.Randn([Rows, s_blocks.Length], gen);
        var p = basis.Dequantize().Narrow(1, start, count).To(DType.Float64);
        var idsr = ids.Narrow(0, start, count);
        var c = center.Narrow(0, start, count).To(DType.Float64);
        var expected = CenteredTwa.Reconstruct(c, p, x.To(DType.Float64), idsr);
        var magnitude = CenteredTwa.Reconstruct(c.Abs(), p.Abs(), x.Abs().To(DType.Float64), idsr);

        foreach (var isa in PackedProjection.AvailableIsas)
        {
            var actual = Tensors.Full([D], -7.0);
            WithIsa(isa, () => basis.Reconstruct(center, x, actual, new ColumnRange(start, count)));

            var inside = actual.Narrow(0, start, count).To(DType.Float64);
            var error = inside.Sub(expected).Abs().Sub(magnitude.Mul(1e-6).Add(1e-6)).Max().Item();
            Assert.True(error <= 0, $"{isa}, bits {bits}, columns {start}+{count}: an entry exceeds its tolerance by {error}");
            Assert.Equal(D - count, actual.Eq(-7.0).Sum().Item());
            Assert.Equal(start, actual.Narrow(0, 0, start).Eq(-7.0).Sum().Item());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dequantize_ColumnRange_IsThoseColumnsOfTheWholeBasisBitForBit(int bits, long start, long count)
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(51);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, bits);

        var range = basis.Dequantize(new ColumnRange(start, count));

        Assert.Equal(new[] { Rows, count }, range.Shape.ToArray());
        Assert.Equal(basis.Dequantize().Narrow(1, start, count).Contiguous().ToArray<float>(), range.Contiguous().ToArray<float>());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProductsByWindows_ColumnRange_MatchTheFusedKernels(int bits, long start, long count)
    {
        // The path of devices without fused kernels (CUDA), run here on the CPU with 2,048-column windows: D = 5003 is
        // two whole tiles and a partial one, so the windows cut blocks and reach the partial tile.
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(61);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, bits);
        basis.WindowColumns = 2048;
        using var gen = new Generator(62);
        var g = Tensors.Randn([D], gen);
        var center = Tensors.Randn([D], gen);
        var x = Tensors.Randn([Rows, s_blocks.Length], gen);
        var columns = new ColumnRange(start, count);
        var (fusedGrad, windowGrad) = (Tensors.Full([Rows, s_blocks.Length], 5.0), Tensors.Full([Rows, s_blocks.Length], 9.0));
        var (fusedW, windowW) = (Tensors.Full([D], -7.0), Tensors.Full([D], -7.0));

        basis.CoefficientGradient(g, fusedGrad, columns);
        basis.CoefficientGradientByWindows(g, windowGrad, columns);
        basis.Reconstruct(center, x, fusedW, columns);
        basis.ReconstructByWindows(center, x, windowW, columns);

        var gradError = windowGrad.Sub(fusedGrad).Abs().Max().Item();
        Assert.True(gradError <= 1e-4 * (1 + fusedGrad.Abs().Max().Item()), $"bits {bits}, columns {start}+{count}: gradient differs by {gradError}");
        Assert.Equal(fusedGrad.Eq(0).ToArray<bool>(), windowGrad.Eq(0).ToArray<bool>());
        var wError = windowW.Sub(fusedW).Abs().Max().Item();
        Assert.True(wError <= 1e-5 * (1 + fusedW.Abs().Max().Item()), $"bits {bits}, columns {start}+{count}: reconstruction differs by {wError}");
        Assert.Equal(D - count, windowW.Eq(-7.0).Sum().Item());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Build_OddWidths_PackToBitsPerEntryWithinHalfAStep(int bits)
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(31);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, bits);
        var q = basis.Dequantize();

        Assert.Equal(Rows * ((D * bits + 7) / 8), basis.EntryBytes);
        long offset = 0;
        foreach (var size in s_blocks)
        {
            var segment = normalized.Narrow(1, offset, size);
            var range = segment.Max(1).Sub(segment.Min(1)).ToArray<float>();
            var error = segment.Sub(q.Narrow(1, offset, size)).Abs().Max(1).ToArray<float>();
            for (var row = 0; row < Rows; row++)
            {
                var halfStep = range[row] / ((1 << bits) - 1) / 2;
                Assert.True(error[row] <= halfStep + 1e-6, $"row {row}, block at {offset}: error {error[row]} > half step {halfStep}");
            }

            offset += size;
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(3)]
    [InlineData(32)]
    public void Projection_AnyThreadCount_GivesTheSameBits(int bits)
    {
        foreach (var isa in PackedProjection.AvailableIsas)
        {
            WithIsa(isa, () => SameBitsForOneAndThreeThreads(bits));
        }
    }

    private static void SameBitsForOneAndThreeThreads(int bits)
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(41);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, bits);
        using var gen = new Generator(42);
        var g = Tensors.Randn([D], gen);
        var center = Tensors.Randn([D], gen);
        var x = Tensors.Randn([Rows, s_blocks.Length], gen);
        var threads = LibTorch.NumThreads;
        var results = new List<(float[] Grad, float[] W)>();
        try
        {
            foreach (var n in new[] { 1, 3 })
            {
                LibTorch.NumThreads = n;
                var gradX = Tensors.Zeros([Rows, s_blocks.Length]);
                var w = Tensors.Zeros([D]);
                basis.CoefficientGradient(g, gradX);
                basis.Reconstruct(center, x, w);
                results.Add((gradX.ToArray<float>(), w.ToArray<float>()));
            }
        }
        finally
        {
            LibTorch.NumThreads = threads;
        }

        Assert.Equal(results[0].Grad, results[1].Grad);
        Assert.Equal(results[0].W, results[1].W);
    }

    [Fact]
    public void Reconstruct_IntoTheCenter_EqualsReconstructingIntoAnotherTensor()
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(51);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, 4);
        using var gen = new Generator(52);
        var center = Tensors.Randn([D], gen);
        var x = Tensors.Randn([Rows, s_blocks.Length], gen);
        var separate = Tensors.Zeros([D]);
        basis.Reconstruct(center, x, separate);

        basis.Reconstruct(center, x, center);

        Assert.Equal(separate.ToArray<float>(), center.ToArray<float>());
    }

    [Fact]
    public void Isa_ByDefault_IsTheBestAndEverySetUpToItIsOffered()
    {
        Assert.Equal(PackedProjection.BestIsa, PackedProjection.Isa);
        Assert.Equal(ProjectionIsa.Scalar, PackedProjection.AvailableIsas[0]);
        Assert.Equal(PackedProjection.BestIsa, PackedProjection.AvailableIsas[^1]);
        // This CPU's flags decide the best set: AVX2 machines must not be left on the scalar path.
        var flags = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "" : "";
        var has = (string flag) => flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag);
        if (has("avx512f"))
        {
            Assert.Equal(ProjectionIsa.Avx512, PackedProjection.BestIsa);
        }
        else if (has("avx2") && has("fma") && has("f16c"))
        {
            Assert.Equal(ProjectionIsa.Avx2, PackedProjection.BestIsa);
        }
    }

    [Fact]
    public void Isa_LoweredOnOneThread_LeavesOtherThreadsOnTheBest()
    {
        var other = ProjectionIsa.Scalar;
        WithIsa(ProjectionIsa.Scalar, () =>
        {
            var thread = new Thread(() => other = PackedProjection.Isa);
            thread.Start();
            thread.Join();
        });

        Assert.Equal(PackedProjection.BestIsa, other);
    }

    [Fact]
    public void Isa_AboveWhatTheCpuHas_IsRefusedAndNamesTheBest()
    {
        var e = Assert.Throws<ArgumentException>(() => PackedProjection.Isa = (ProjectionIsa)3);
        Assert.Contains("not available on this CPU", e.Message, StringComparison.Ordinal);
        Assert.Equal(PackedProjection.BestIsa, PackedProjection.Isa);
    }

    [Fact]
    public void CoefficientGradient_WrongGradientLength_NamesTheTensor()
    {
        using var scope = new TensorScope();
        var (normalized, ids) = Basis(61);
        using var basis = QuantizedBasis.Build(normalized, s_blocks, ids, 4);
        var e = Assert.Throws<ArgumentException>(() => basis.CoefficientGradient(Tensors.Zeros([D - 1]), Tensors.Zeros([Rows, s_blocks.Length])));
        Assert.Contains("g has shape [5002]", e.Message, StringComparison.Ordinal);
    }
}
