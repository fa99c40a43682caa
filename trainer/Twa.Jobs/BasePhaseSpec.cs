using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs;

/// <summary><c>spec.training.base</c>: ordinary training that saves weight snapshots (snapshot 0 = the initial weights).</summary>
public sealed record BasePhaseSpec
{
    public BaseMethod Method { get; init; } = BaseMethod.Sgd;
    public int Epochs { get; init; } = 10;
    public OptimizerSpec Optimizer { get; init; } = new() { Lr = 0.05, Momentum = 0.9, WeightDecay = 5e-4 };
    public ScheduleSpec Schedule { get; init; } = new() { Name = ScheduleName.Cosine };
    public SnapshotEverySpec SnapshotEvery { get; init; } = new() { Epochs = 1 };

    /// <summary>Commit the base-training state (weights, BN buffers, optimizer moments, EMA, data position, partial
    /// epoch sums, dropout RNG) after every N-th step, and always after each epoch; a resumed run loses at most the
    /// steps since the last commit. 0 = after each epoch only. Default 100: a commit to a local disk takes about 3 ms
    /// (LeNet) to 6 ms (ResNet-20), about 1% of 100 steps even at 5 ms a step.</summary>
    [Range(Minimum = 0)]
    public int CheckpointEverySteps { get; init; } = DefaultCheckpointEverySteps;

    /// <summary>Default of <see cref="CheckpointEverySteps"/>.</summary>
    public const int DefaultCheckpointEverySteps = 100;
}
