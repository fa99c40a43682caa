namespace Twa.Jobs;

/// <summary><c>spec.training.base</c>: ordinary training that saves weight snapshots (snapshot 0 = the initial weights).</summary>
public sealed record BasePhaseSpec
{
    public BaseMethod Method { get; init; } = BaseMethod.Sgd;
    public int Epochs { get; init; } = 10;
    public OptimizerSpec Optimizer { get; init; } = new() { Lr = 0.05, Momentum = 0.9, WeightDecay = 5e-4 };
    public ScheduleSpec Schedule { get; init; } = new() { Name = ScheduleName.Cosine };
    public SnapshotEverySpec SnapshotEvery { get; init; } = new() { Epochs = 1 };
}
