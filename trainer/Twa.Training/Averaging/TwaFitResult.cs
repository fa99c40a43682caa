using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>What a TWA fit produced: its history, the basis size, dropped snapshots and the coefficients. schmidt
/// fills the orthogonality error, the start residual and α (averaging weights of the snapshots, β being the basis
/// coordinates); centered fills the block count and the basis bytes (its coefficients X are n×L, row-major).</summary>
public sealed record TwaFitResult(IReadOnlyList<EpochRecord> History, int BasisSize, IReadOnlyList<int> DroppedSnapshots, double[] Coordinates)
{
    public double? OrthogonalityError { get; init; }
    public double? StartResidual { get; init; }
    public double[]? AveragingCoefficients { get; init; }
    public int? Blocks { get; init; }
    public long? BasisBytes { get; init; }
}
