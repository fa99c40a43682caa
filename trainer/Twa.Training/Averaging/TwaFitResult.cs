using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>What a TWA fit produced: its history, the basis size, dropped snapshots, the orthogonality error
/// and the coefficients (β in basis coordinates, α as averaging weights of the snapshots).</summary>
public sealed record TwaFitResult(IReadOnlyList<EpochRecord> History, int BasisSize, IReadOnlyList<int> DroppedSnapshots,
    double OrthogonalityError, double[] Coordinates, double[] AveragingCoefficients, double StartResidual);
