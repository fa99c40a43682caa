using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Averaging;
using Twa.Training.Data;
using Twa.Training.Distributed;
using Twa.Training.Phases;
using Twa.Training.Stores;
using Twa.Training.Tests.Phases;

namespace Twa.Training.Tests.Averaging;

/// <summary>The TWA commit carries the BN buffers (the running statistics every epoch-end evaluation uses) and the
/// dropout generator's state beside the coefficients: a fit abandoned mid-epoch and resumed by a trainer whose model
/// was initialised from other seeds ends bitwise as the uninterrupted fit, its per-epoch test figures included.</summary>
public sealed class TwaCheckpointTests : IDisposable
{
    private readonly SyntheticSplits _splits = new("twa-checkpoint-", trainCount: 200, testCount: 50, new DataSpec { BatchSize = 25 }, seed: 3);

    public void Dispose() => _splits.Dispose();

    private static readonly BasePhaseSpec s_base = new() { Epochs = 3, Optimizer = new OptimizerSpec { Lr = 0.05, Momentum = 0.9 } };

    private static TwaPhaseSpec Twa(TwaVariant variant) => new()
    {
        Variant = variant,
        Snapshots = new SnapshotRangeSpec { From = 0, To = 4 },
        Epochs = 2,
        Optimizer = variant == TwaVariant.Schmidt ? new OptimizerSpec { Lr = 1.0, Momentum = 0.9 } : new OptimizerSpec { Name = OptimizerName.AdamW, Lr = 0.01 },
    };

    private sealed record Outcome(double[] Coordinates, float[][] Buffers, IReadOnlyList<EpochRecord> History, List<string> Log);

    /// <summary>Base training (3 epochs, snapshots 0..3) then TWA on them, committing into <paramref name="name"/>;
    /// <paramref name="abandonAfter"/> throws from AfterStep after that TWA step.</summary>
    private Outcome Run(string name, TwaVariant variant, ulong initSeed, ulong dropoutSeed, long abandonAfter = -1)
    {
        using var model = DropoutMlp.Create(batchNorm: true, initSeed, dropoutSeed);
        var dir = Path.Combine(_splits.Directory.FullName, name);
        var log = new List<string>();
        var ctx = new PhaseContext(model, _splits.Data, _splits.Spec.BatchSize, 3, new LocalSnapshotStore(Path.Combine(dir, "snapshots")), log.Add)
        {
            State = new LocalStateStore(Path.Combine(dir, "state")),
            StateLocation = dir,
            CommitTwaState = true,
            AfterStep = (phase, step) =>
            {
                if (phase == "twa" && step == abandonAfter)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        };
        new BaseTrainer(ctx, s_base, _splits.Spec).Run();
        var fit = variant == TwaVariant.Schmidt ? new SchmidtTwa(ctx, Twa(variant)).Run() : new CenteredTwa(ctx, Twa(variant)).Run();
        return new Outcome(fit.Coordinates, model.Buffers.Select(b => b.Tensor.To(DType.Float32).ToArray<float>()).ToArray(), fit.History, log);
    }

    [Theory]
    [InlineData(TwaVariant.Schmidt, 5)]  // 8 steps per epoch: mid-epoch 1
    [InlineData(TwaVariant.Schmidt, 11)] // mid-epoch 2: the evaluation after it uses the restored running statistics
    public void Run_AbandonedMidEpochThenResumedOnAFreshModel_EndsBitwiseWithTheSameBuffersAndTestFigures(TwaVariant variant, long abandonAfter)
    {
        var whole = Run("whole", variant, 1, 2);
        Assert.Throws<GenerationChangedException>(() => Run("resumed", variant, 1, 2, abandonAfter));

        var resumed = Run("resumed", variant, 77, 78);

        Assert.Contains($"twa: resuming after step {abandonAfter} from {Path.Combine(_splits.Directory.FullName, "resumed")}", resumed.Log);
        Assert.Equal(whole.Coordinates, resumed.Coordinates);
        Assert.Equal(whole.History.Select(h => (h.Epoch, h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)),
            resumed.History.Select(h => (h.Epoch, h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)));
        for (var i = 0; i < whole.Buffers.Length; i++)
        {
            Assert.Equal(whole.Buffers[i], resumed.Buffers[i]);
        }
    }

    [Fact]
    public void Run_MidEpochCommit_HoldsTheModelsBuffersAndDropoutState()
    {
        float[][]? atCommit = null;
        using var model = DropoutMlp.Create(batchNorm: true, initSeed: 1, dropoutSeed: 2);
        var dir = Path.Combine(_splits.Directory.FullName, "inspect");
        var ctx = new PhaseContext(model, _splits.Data, _splits.Spec.BatchSize, 3, new LocalSnapshotStore(Path.Combine(dir, "snapshots")), _ => { })
        {
            State = new LocalStateStore(Path.Combine(dir, "state")),
            CommitTwaState = true,
            AfterStep = (phase, step) =>
            {
                if (phase == "twa" && step == 3)
                {
                    atCommit = model.Buffers.Select(b => b.Tensor.To(DType.Float32).ToArray<float>()).ToArray();
                    throw new GenerationChangedException(1, 2);
                }
            },
        };
        new BaseTrainer(ctx, s_base, _splits.Spec).Run();
        Assert.Throws<GenerationChangedException>(() => new SchmidtTwa(ctx, Twa(TwaVariant.Schmidt)).Run());

        using var state = new LocalStateStore(Path.Combine(dir, "state")).ReadLatest("twa")!;
        Assert.Equal(3, state.Step);
        Assert.False(state.RngState.IsEmpty);
        var names = model.Buffers.Select(b => CommittedState.BufferPrefix + b.Name).ToArray();
        Assert.Equal(["buffer.bn1.running_mean", "buffer.bn1.running_var", "buffer.bn1.num_batches_tracked"], names);
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(atCommit![i], state[names[i]].To(DType.Float32).ToArray<float>());
        }
    }
}
