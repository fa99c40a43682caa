using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Training.Distributed;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Phases;

/// <summary>The base-training commit carries all a bitwise resume needs beyond the weights: BN buffers, the dropout
/// generator's stream, the EMA and the optimizer moments. The resumed trainer gets a model initialised from another
/// seed with another dropout seed, so everything it ends with must come from the commit.</summary>
public sealed class BaseTrainerCommitTests : IDisposable
{
    private readonly SyntheticSplits _splits = new("twa-base-trainer-", trainCount: 200, testCount: 50, new DataSpec { BatchSize = 25, Augment = new AugmentSpec { RandomCropPadding = 1 } }, seed: 7);

    public void Dispose() => _splits.Dispose();

    private static readonly BasePhaseSpec s_spec = new()
    {
        Epochs = 2, CheckpointEverySteps = 3, Optimizer = new OptimizerSpec { Lr = 0.05, Momentum = 0.9, WeightDecay = 5e-4 },
    };

    private sealed record Outcome(float[] Weights, float[][] Buffers, float[] Ema, IReadOnlyList<EpochRecord> History, List<string> Log);

    /// <summary>Runs base training into <paramref name="name"/> (stores there); <paramref name="abandonAfter"/> throws from AfterStep.</summary>
    private Outcome Train(string name, ulong initSeed, ulong dropoutSeed, long abandonAfter = -1)
    {
        using var model = DropoutMlp.Create(batchNorm: true, initSeed, dropoutSeed);
        var dir = Path.Combine(_splits.Directory.FullName, name);
        var log = new List<string>();
        var ctx = new PhaseContext(model, _splits.Data, _splits.Spec.BatchSize, 7, new LocalSnapshotStore(Path.Combine(dir, "snapshots")), log.Add)
        {
            State = new LocalStateStore(Path.Combine(dir, "state")),
            StateLocation = dir,
            AfterStep = (_, step) =>
            {
                if (step == abandonAfter)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        };
        var trainer = new BaseTrainer(ctx, s_spec, _splits.Spec, emaDecay: 0.9);
        var history = trainer.Run();
        using var ema = trainer.Ema!;
        return new Outcome(model.Parameters.Flat.ToArray<float>(),
            model.Buffers.Select(b => b.Tensor.To(DType.Float32).ToArray<float>()).ToArray(), ema.ToArray<float>(), history, log);
    }

    [Theory]
    [InlineData(6)]  // 8 steps per epoch: a commit after step 6, mid-epoch 1
    [InlineData(11)] // commit after step 9 (epoch 2, batch 1): steps 10-11 redone
    public void Run_ResumedMidEpochWithBatchNormAndDropout_EndsBitwiseAsTheUninterruptedRun(long abandonAfter)
    {
        var whole = Train("whole", 1, 2);
        Assert.Throws<GenerationChangedException>(() => Train("resumed", 1, 2, abandonAfter));

        var resumed = Train("resumed", 99, 98);

        var committed = abandonAfter / 3 * 3;
        Assert.Contains(resumed.Log, l => l.StartsWith($"base: resuming after step {committed} ", StringComparison.Ordinal));
        Assert.Equal(whole.Weights, resumed.Weights);
        Assert.Equal(whole.Ema, resumed.Ema);
        Assert.Equal(3, whole.Buffers.Length); // running_mean, running_var, num_batches_tracked
        for (var i = 0; i < whole.Buffers.Length; i++)
        {
            Assert.Equal(whole.Buffers[i], resumed.Buffers[i]);
        }

        Assert.Equal(whole.History.Select(h => (h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)),
            resumed.History.Select(h => (h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)));
    }

    [Fact]
    public void Run_MidEpochCommit_HoldsBuffersRngAndDataPosition()
    {
        Assert.Throws<GenerationChangedException>(() => Train("inspect", 1, 2, abandonAfter: 4));

        using var state = new LocalStateStore(Path.Combine(_splits.Directory.FullName, "inspect", "state")).ReadLatest(BaseTrainer.Slot)!;

        Assert.Equal((3L, 0, 3), (state.Step, state.Epoch, state.Batch));
        Assert.True(state.Contains(CommittedState.BufferPrefix + "bn1.running_mean"));
        Assert.Equal(3, state[CommittedState.BufferPrefix + "bn1.num_batches_tracked"].Item());
        Assert.False(state.RngState.IsEmpty);
        Assert.True(double.Parse(state.Metadata["loss_sum"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.InRange(long.Parse(state.Metadata["correct"], System.Globalization.CultureInfo.InvariantCulture), 0, 75);
    }
}
