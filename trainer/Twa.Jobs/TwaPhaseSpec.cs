namespace Twa.Jobs;

/// <summary><c>spec.training.twa</c>: fitting the coefficients of <c>w = center + Pᵀx</c> on a range of snapshots.</summary>
public sealed record TwaPhaseSpec
{
    /// <summary>The projection widths a basis can be stored in: f32, f16, or 1..8-bit codes packed LSB-first.</summary>
    public static IReadOnlyList<int> SupportedProjectionBits { get; } = [32, 16, 8, 7, 6, 5, 4, 3, 2, 1];

    public TwaVariant Variant { get; init; } = TwaVariant.Schmidt;
    public SnapshotRangeSpec Snapshots { get; init; } = new();
    public TwaStart Start { get; init; } = TwaStart.Mean;
    public TwaFitOn FitOn { get; init; } = TwaFitOn.Train;
    public int Epochs { get; init; } = 2;
    public OptimizerSpec Optimizer { get; init; } = new() { Lr = 2.0, Momentum = 0.9, WeightDecay = 1e-5 };
    public ScheduleSpec Schedule { get; init; } = new() { Name = ScheduleName.Step };

    /// <summary>centered: parameter blocks are merged until one exceeds this many entries; 0 = one block per tensor.</summary>
    public long BlockSize { get; init; }

    public int ProjectionBits { get; init; } = 32;
}
