namespace Twa.Jobs;

/// <summary>A learning-rate schedule. <c>step</c> decays by <see cref="Gamma"/> at <see cref="Milestones"/>
/// (epochs; default [int(0.5E), int(0.75E + 0.9)] as the TWA code); <c>cosine</c> has a linear warm-up of
/// <see cref="WarmupEpochs"/> or <see cref="WarmupFraction"/> of the steps; <c>swa</c> is the SWA paper's
/// per-epoch schedule (lr0 until t = 0.5, linear to <see cref="SwaLr"/> at t = 0.9, then constant).</summary>
public sealed record ScheduleSpec
{
    public ScheduleName Name { get; init; } = ScheduleName.Constant;
    public int[]? Milestones { get; init; }
    public double Gamma { get; init; } = 0.1;
    public double WarmupEpochs { get; init; }
    public double WarmupFraction { get; init; }

    /// <summary><c>swa</c> schedule (SWA paper): epoch at which the tail starts (t = epoch / swaStart) and the tail lr.</summary>
    public double SwaStart { get; init; }

    public double SwaLr { get; init; }
}
