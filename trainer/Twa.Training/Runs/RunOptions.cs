using Twa.Training.Distributed;

namespace Twa.Training.Runs;

/// <summary>Options of one local run (`twa train`): output directory, snapshot store directory (default
/// OUT/snapshots), a seed overriding the job's, where log lines and per-step progress go, and the ranks the run is
/// spread over (one by default).</summary>
public sealed record RunOptions(string OutputDirectory, string? StoreDirectory = null, long? Seed = null, Action<string>? Log = null)
{
    /// <summary>Per-step progress (phase, epoch, epochs, step in epoch, steps per epoch).</summary>
    public Action<string, int, int, int, int>? Progress { get; init; }

    /// <summary>The ranks of a distributed run; every rank calls <see cref="JobRunner.Run"/> with the same job and output
    /// directory, rank 0 writes the outputs.</summary>
    public RankGroup Ranks { get; init; } = RankGroup.OneRank;

    /// <summary>Commit the TWA state to OUT/state every spec.training.checkpointEverySteps steps and resume from it
    /// (elastic runs: a new membership generation restarts the run and continues after the last commit).</summary>
    public bool CommitTwaState { get; init; }

    /// <summary>Called on every rank after each optimizer step (phase, steps done in the phase); see
    /// <see cref="Phases.PhaseContext.AfterStep"/>.</summary>
    public Action<string, long>? AfterStep { get; init; }
}
