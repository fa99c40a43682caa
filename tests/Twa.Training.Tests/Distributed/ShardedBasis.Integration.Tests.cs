using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Averaging;
using Twa.Training.Distributed;

namespace Twa.Training.Tests.Distributed;

/// <summary>The column-sharded basis construction (DESIGN.md section 5) on K real Gloo ranks gives, column for column,
/// the single-rank basis: Schmidt (partial Grams all-reduced, CholeskyQR2, collinear drops) and centered (per-(snapshot,
/// block) norms and quantisation ranges reduced across ranks), with per-rank basis bytes n·D_r·bits/8.</summary>
public sealed class ShardedBasisIntegrationTests
{
    private static Tensor Snapshots(long n, long d, ulong seed)
    {
        using var g = new Generator(seed);
        return Tensors.Randn([n, d], g, DType.Float32);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)] // K > n: more ranks than snapshots
    public void SchmidtBuild_ColumnSharded_EqualsTheSingleRankColumnsAndDropsTheSameSnapshot(int k)
    {
        const long d = 1001;
        using var scope = new TensorScope();
        var w0 = Snapshots(3, d, 11);
        var w = Tensors.Cat([w0, w0.Narrow(0, 1, 1).Mul(3.0)]); // snapshot 3 is collinear with snapshot 1
        using var full = SchmidtBasis.Build(w);
        var wData = w.ToArray<float>();

        var shards = InProcessRanks.Run(k, ranks =>
        {
            using var s = new TensorScope();
            var c = ranks.Columns(d);
            var local = Tensors.FromArray<float>(wData, [4, d]).Narrow(1, c.Start, c.Count).Contiguous();
            using var basis = SchmidtBasis.Build(local, ranks);
            return (c, P: basis.P.ToArray<double>(), basis.Dropped, basis.OrthogonalityError, C: basis.C.ToArray<double>());
        });

        var expected = full.P.ToArray<double>();
        var rows = full.Rank;
        foreach (var (c, p, dropped, error, coefficients) in shards)
        {
            Assert.Equal([3], dropped);
            Assert.True(error < 1e-9, $"max|PPᵀ-I| = {error}");
            Assert.Equal(full.C.ToArray<double>().Length, coefficients.Length);
            for (var i = 0; i < rows; i++)
            {
                for (long j = 0; j < c.Count; j++)
                {
                    Assert.Equal(expected[i * d + c.Start + j], p[i * c.Count + j], 9);
                }
            }
        }
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(1, 3)]
    [InlineData(8, 3)]
    [InlineData(32, 2)]
    public void QuantizedBuild_ColumnSharded_DequantizesToTheSingleRankColumnsWithBytesOverK(int bits, int k)
    {
        const long d = 1003;
        long[] blocks = [300, 500, 203];
        using var scope = new TensorScope();
        var w = Snapshots(5, d, 21);
        var center = w.Mean([0]);
        var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
        using var full = QuantizedBasis.Build(CenteredTwa.Normalize(w.Sub(center), blocks), blocks, ids, bits);
        var expected = full.Dequantize().ToArray<float>();
        var wData = w.ToArray<float>();

        var shards = InProcessRanks.Run(k, ranks =>
        {
            using var s = new TensorScope();
            var c = ranks.Columns(d);
            var local = Tensors.FromArray<float>(wData, [5, d]).Narrow(1, c.Start, c.Count).Contiguous();
            var localIds = BlockPartition.ColumnBlockIds(blocks, Device.Cpu, c);
            var normalized = CenteredTwa.Normalize(local.Sub(local.Mean([0])), blocks, ranks, c);
            using var basis = QuantizedBasis.Build(normalized, blocks, localIds, bits, ranks, c);
            return (c, P: basis.Dequantize().ToArray<float>(), basis.EntryBytes);
        });

        foreach (var (c, p, bytes) in shards)
        {
            Assert.Equal(5 * ((c.Count * bits + 7) / 8), bytes);
            for (var i = 0; i < 5; i++)
            {
                for (long j = 0; j < c.Count; j++)
                {
                    Assert.Equal(expected[i * d + c.Start + j], p[i * c.Count + j], 5);
                }
            }
        }

        var total = shards.Sum(s => s.EntryBytes);
        Assert.True(Math.Abs(total - full.EntryBytes) <= 5L * k, $"sharded {total} B vs single {full.EntryBytes} B");
    }

    [Fact]
    public void ReduceScatterThenAllGather_UnevenColumns_RoundTripsTheSum()
    {
        const long d = 10;
        var results = InProcessRanks.Run(3, ranks =>
        {
            using var s = new TensorScope();
            var full = Tensors.Arange(0, d, dtype: DType.Float32).Add(ranks.Rank);
            var local = Tensors.Zeros([ranks.Columns(d).Count]);
            ranks.ReduceScatterColumns(local, full);
            var gathered = Tensors.Zeros([d]);
            ranks.AllGatherColumns(gathered, local);
            return (gathered.ToArray<float>(), ranks.Stats![CollectiveOp.ReduceScatter].Calls);
        });

        foreach (var (gathered, calls) in results)
        {
            Assert.Equal(Enumerable.Range(0, (int)d).Select(i => 3f * i + 3f), gathered);
            Assert.Equal(1, calls);
        }
    }
}
