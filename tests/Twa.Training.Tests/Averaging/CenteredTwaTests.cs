using Twa.Torch;
using Twa.Torch.Nn;
using Twa.Training.Averaging;

namespace Twa.Training.Tests.Averaging;

/// <summary>ALGORITHMS.md section 8, cases 11-16 (journal TWA).</summary>
public sealed class CenteredTwaTests
{
    private static Tensor Random(long n, long d, ulong seed)
    {
        using var g = new Generator(seed);
        return Tensors.Randn([n, d], g);
    }

    [Theory]
    [InlineData(12, new long[] { 15, 20, 3 })]
    [InlineData(0, new long[] { 10, 5, 20, 3 })]
    [InlineData(38, new long[] { 38 })]
    [InlineData(1000, new long[] { 38 })]
    public void Sizes_ReferenceCases_MatchTheAuthorsRule(long layerSize, long[] expected)
    {
        var blocks = BlockPartition.Sizes([10, 5, 20, 3], layerSize);
        Assert.Equal(expected, blocks);
        Assert.Equal(38, blocks.Sum());
    }

    [Fact]
    public void Normalize_EverySegment_HasUnitNorm_AndZeroSegmentsStayZero()
    {
        using var scope = new TensorScope();
        long[] blocks = [10, 5, 20, 3];
        var centered = Random(4, 38, 1);
        centered.Select(0, 2).Narrow(0, 10, 5).ZeroInPlace();
        var n = CenteredTwa.Normalize(centered, blocks);
        long offset = 0;
        foreach (var size in blocks)
        {
            var norms = n.Narrow(1, offset, size).Norm([1]).ToArray<float>();
            for (var row = 0; row < 4; row++)
            {
                var expected = row == 2 && offset == 10 ? 0.0 : 1.0;
                Assert.Equal(expected, norms[row], 5);
            }

            offset += size;
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(2)]
    [InlineData(1)]
    public void Build_Quantised_ErrorWithinHalfAStepAndPackedToBitsPerEntry(int bits)
    {
        using var scope = new TensorScope();
        long[] blocks = [300, 200, 501];
        var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
        var p = CenteredTwa.Normalize(Random(5, 1001, 2), blocks);
        using var basis = QuantizedBasis.Build(p, blocks, ids, bits);
        var q = basis.Dequantize();

        Assert.Equal(5 * ((1001 * bits + 7) / 8), basis.EntryBytes); // n·D·bits/8 (rounded up per row)
        long offset = 0;
        foreach (var size in blocks)
        {
            var segment = p.Narrow(1, offset, size);
            var lo = segment.Min(1).ToArray<float>();
            var hi = segment.Max(1).ToArray<float>();
            var error = segment.Sub(q.Narrow(1, offset, size)).Abs().Max(1).ToArray<float>();
            for (var row = 0; row < 5; row++)
            {
                var step = (hi[row] - lo[row]) / ((1 << bits) - 1);
                Assert.True(error[row] <= step / 2 + 1e-6, $"row {row}: error {error[row]} > half step {step / 2}");
                if (bits == 8)
                {
                    Assert.True(error[row] < 0.005 * (hi[row] - lo[row]));
                }

                if (bits == 1)
                {
                    var values = q.Select(0, row).Narrow(0, offset, size).ToArray<float>();
                    Assert.All(values, v => Assert.True(Math.Abs(v - lo[row]) < 1e-6 || Math.Abs(v - hi[row]) < 1e-6));
                }
            }

            offset += size;
        }
    }

    [Fact]
    public void Reconstruct_ZeroCoefficients_IsTheCenterBitForBit()
    {
        using var scope = new TensorScope();
        var w = Random(6, 500, 3);
        var center = w.Mean([0]);
        long[] blocks = [500];
        var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
        using var basis = QuantizedBasis.Build(CenteredTwa.Normalize(w.Sub(center), blocks), blocks, ids, 4);
        var rebuilt = CenteredTwa.Reconstruct(center, basis.Dequantize(), Tensors.Zeros([6, 1]), ids);
        Assert.Equal(center.ToArray<float>(), rebuilt.ToArray<float>());
    }

    [Fact]
    public void CoefficientGradient_EqualsAutogradThroughTheReconstruction()
    {
        // L(X) = CE(Linear(x, view(c + Σ P̂ᵀX)), y): compare our formula with autograd w.r.t. X (case 15).
        using var scope = new TensorScope();
        long[] blocks = [12, 3];             // weight [3, 4] then bias [3]
        var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
        var w = Random(4, 15, 4).To(DType.Float64);
        var center = w.Mean([0]);
        var p = CenteredTwa.Normalize(w.Sub(center), blocks);
        var x = Random(4, 2, 5).To(DType.Float64).Mul(0.1);
        var inputs = Random(5, 4, 6).To(DType.Float64);
        var labels = Tensors.FromArray<long>([0, 2, 1, 1, 0]);

        Tensor Loss(Tensor flat) => Functional.CrossEntropy(
            Functional.Linear(inputs, flat.Narrow(0, 0, 12).View(3, 4), flat.Narrow(0, 12, 3)), labels);

        x.RequiresGrad = true;
        var expected = Autograd.Grad(Loss(CenteredTwa.Reconstruct(center, p, x, ids)), [x])[0]!;

        var flatW = CenteredTwa.Reconstruct(center, p, x.Detach(), ids);
        flatW.RequiresGrad = true;
        var g = Autograd.Grad(Loss(flatW), [flatW])[0]!;
        var actual = Tensors.Zeros([4, 2], DType.Float64);
        CenteredTwa.CoefficientGradient(p, g, ids, actual);

        var relative = actual.Sub(expected).Norm().Item() / expected.Norm().Item();
        Assert.True(relative < 1e-10, $"relative error {relative}");
    }

    [Fact]
    public void Reconstruct_RowPartitionedOverRanks_SumsToTheSingleRankResult()
    {
        // Case 16: 10 snapshots on K = 4 ranks → parts [3, 3, 2, 2]; ranges are fixed per (snapshot, block), so the
        // per-rank partial reconstructions add up to the single-rank one.
        using var scope = new TensorScope();
        long[] blocks = [40, 60];
        var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
        var p = CenteredTwa.Normalize(Random(10, 100, 7), blocks);
        var x = Random(10, 2, 8);
        var zero = Tensors.Zeros([100]);
        using var full = QuantizedBasis.Build(p, blocks, ids, 4);
        var single = CenteredTwa.Reconstruct(zero, full.Dequantize(), x, ids);

        var sum = Tensors.Zeros([100]);
        long start = 0;
        foreach (var part in new long[] { 3, 3, 2, 2 })
        {
            using var shard = QuantizedBasis.Build(p.Narrow(0, start, part), blocks, ids, 4);
            sum.AddInPlace(CenteredTwa.Reconstruct(zero, shard.Dequantize(), x.Narrow(0, start, part), ids));
            start += part;
        }

        Assert.True(sum.Sub(single).Abs().Max().Item() < 1e-5);
    }
}
