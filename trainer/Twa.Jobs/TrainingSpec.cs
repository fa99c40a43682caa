namespace Twa.Jobs;

/// <summary><c>spec.training</c> (DESIGN.md section 9). A job with only <see cref="Base"/> is plain training;
/// one with only <see cref="Twa"/> fits coefficients on snapshots already in the store.</summary>
public sealed record TrainingSpec
{
    public long Seed { get; init; } = 1;

    /// <summary><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    public ModelSpec Model { get; init; } = new();
    public DataSpec Data { get; init; } = new();
    public BasePhaseSpec? Base { get; init; }
    public TwaPhaseSpec? Twa { get; init; }
    public BaselineName[] Baselines { get; init; } = [];

    /// <summary>Committed-state interval during TWA, in steps (base training: <c>base.checkpointEverySteps</c>).</summary>
    public int CheckpointEverySteps { get; init; } = 1;
}
