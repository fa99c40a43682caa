using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Training.Distributed;
using Twa.Training.Phases;
using Twa.Training.Stores;
using Twa.Training.Tests.Phases;

namespace Twa.Training.Tests.Distributed;

/// <summary>Dropout under data parallelism: each step's masks come from (seed, phase, step) and are drawn for the whole
/// global batch, every rank keeping its rows; so a dropout network trains on 2 or 3 ranks (uneven slices of 25) to
/// where it trains on one, and each rank's masks are those its samples get in the one-rank run.</summary>
public sealed class DropoutRanksIntegrationTests : IDisposable
{
    private readonly SyntheticSplits _splits = new("twa-dropout-ranks-", trainCount: 200, testCount: 50, new DataSpec { BatchSize = 25 }, seed: 7);

    public void Dispose() => _splits.Dispose();

    private static readonly BasePhaseSpec s_spec = new()
    {
        Epochs = 2, CheckpointEverySteps = 0, Optimizer = new OptimizerSpec { Lr = 0.05, Momentum = 0.9 },
    };

    private float[] Train(RankGroup ranks, string name) => Train(_splits, ranks, name, batchNorm: false).Weights;

    private static (float[] Weights, float[] Buffers) Train(SyntheticSplits splits, RankGroup ranks, string name, bool batchNorm)
    {
        // Every rank starts from the same generator, as JobRunner sets it; the per-step reseed makes that irrelevant.
        // With BN, dropout comes before it, so the masks of the final refresh reach the running statistics.
        using var model = DropoutMlp.Create(batchNorm, initSeed: 1, dropoutSeed: 2, p: 0.5, dropoutBeforeBatchNorm: batchNorm);
        var dir = Path.Combine(splits.Directory.FullName, $"{name}-rank{ranks.Rank}");
        var ctx = new PhaseContext(model, splits.Data, splits.Spec.BatchSize, 7, new LocalSnapshotStore(Path.Combine(dir, "snapshots")), _ => { })
        {
            Ranks = ranks,
        };
        new BaseTrainer(ctx, s_spec, splits.Spec).Run();
        if (batchNorm)
        {
            Evaluator.RefreshBatchNorm(model, splits.Data.Train, splits.Data.Mean, splits.Data.Std, BatchStep.RefreshDropoutSeed(ctx));
        }

        return (model.Parameters.Flat.ToArray<float>(), model.Buffers.SelectMany(b => b.Tensor.To(DType.Float32).ToArray<float>()).ToArray());
    }

    [Fact]
    public void BatchNormRefresh_ARankWithAnEmptyLastSlice_RefreshesToTheSameBuffersAsTheOthers()
    {
        // 202 images in batches of 25: the last global batch holds 2, so on 3 ranks one rank's last slice is empty and
        // it draws no masks in that step. The refresh (train mode, dropout active) reseeds first, so that does not show.
        // (It once crashed there instead: the empty step left its rows of the global batch set for the next forward.)
        using var splits = new SyntheticSplits("twa-dropout-bn-", trainCount: 202, testCount: 50, new DataSpec { BatchSize = 25 }, seed: 7);
        var ranks = InProcessRanks.Run(3, r => Train(splits, r, "bn", batchNorm: true));

        Assert.NotEmpty(ranks[0].Buffers);
        foreach (var (weights, buffers) in ranks)
        {
            Assert.Equal(ranks[0].Weights, weights);
            Assert.Equal(ranks[0].Buffers, buffers);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void BaseTraining_DropoutNetworkOnKRanks_EndsWhereOneRankEnds(int k)
    {
        var one = Train(RankGroup.OneRank, "one");
        var many = InProcessRanks.Run(k, ranks => Train(ranks, $"k{k}"));

        foreach (var weights in many)
        {
            Assert.Equal(many[0], weights); // the ranks hold the same weights
        }

        var diff = Math.Sqrt(one.Zip(many[0], (a, b) => (double)(a - b) * (a - b)).Sum());
        var norm = Math.Sqrt(one.Sum(a => (double)a * a));
        Assert.True(diff / norm < 1e-5, $"relative weight difference {diff / norm:E2} between 1 and {k} ranks");
    }
}
