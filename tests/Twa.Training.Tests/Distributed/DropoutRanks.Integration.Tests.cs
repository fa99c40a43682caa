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

    private float[] Train(RankGroup ranks, string name)
    {
        // Every rank starts from the same generator, as JobRunner sets it; the per-step reseed makes that irrelevant.
        using var model = DropoutMlp.Create(batchNorm: false, initSeed: 1, dropoutSeed: 2, p: 0.5);
        var dir = Path.Combine(_splits.Directory.FullName, $"{name}-rank{ranks.Rank}");
        var ctx = new PhaseContext(model, _splits.Data, _splits.Spec.BatchSize, 7, new LocalSnapshotStore(Path.Combine(dir, "snapshots")), _ => { })
        {
            Ranks = ranks,
        };
        new BaseTrainer(ctx, s_spec, _splits.Spec).Run();
        return model.Parameters.Flat.ToArray<float>();
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
