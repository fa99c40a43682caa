using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>What a TWA fit produced: its history, the basis size, dropped snapshots and the coefficients. schmidt
/// fills the orthogonality error, the start residual and α (averaging weights of the snapshots, β being the basis
/// coordinates); centered fills the block count (its coefficients X are n×L, row-major). <see cref="BasisBytes"/> are
/// the bytes of THIS rank's columns of the basis; <see cref="FitBytesSent"/> the payload bytes this rank sent during
/// the <see cref="FitSteps"/> coefficient steps it ran (in its last generation, for an elastic run; bytes are 0 on a
/// single rank).</summary>
public sealed record TwaFitResult(IReadOnlyList<EpochRecord> History, int BasisSize, IReadOnlyList<int> DroppedSnapshots, double[] Coordinates)
{
    public double? OrthogonalityError { get; init; }
    public double? StartResidual { get; init; }
    public double[]? AveragingCoefficients { get; init; }
    public int? Blocks { get; init; }
    public long? BasisBytes { get; init; }
    public long FitBytesSent { get; init; }
    public long FitSteps { get; init; }
}
