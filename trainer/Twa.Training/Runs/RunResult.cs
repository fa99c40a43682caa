using Twa.Training.Averaging;
using Twa.Training.Phases;

namespace Twa.Training.Runs;

/// <summary>Everything a run measured; written to metrics.json and history.csv.</summary>
public sealed record RunResult
{
    public required string JobName { get; init; }
    public required long Seed { get; init; }
    public required string Device { get; init; }
    public required long Parameters { get; init; }
    public int Workers { get; init; } = 1;

    /// <summary>Bytes of the TWA basis over all ranks together.</summary>
    public long? BasisBytesTotal { get; set; }
    public List<EpochRecord> History { get; } = [];
    public double BaseSeconds { get; set; }
    public Evaluation? BaseTest { get; set; }
    public int BaseEpochs { get; set; }
    public double TwaSeconds { get; set; }
    public Evaluation? TwaTest { get; set; }
    public TwaFitResult? Twa { get; set; }
    public Evaluation? Swa { get; set; }
    public Evaluation? Ema { get; set; }
    public Evaluation Final => TwaTest ?? BaseTest ?? throw new InvalidOperationException("no phase ran");
}
