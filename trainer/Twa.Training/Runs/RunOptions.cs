using Twa.Training.Distributed;
using Twa.Training.Stores;

namespace Twa.Training.Runs;

/// <summary>Options of one local run (`twa train`): output directory, snapshot store directory (default
/// OUT/snapshots; ignored when <see cref="Snapshots"/> is given), a seed overriding the job's, where log lines and
/// per-step progress go, the ranks the run is spread over (one by default) and, optionally, the stores (e.g. Redis,
/// see <see cref="JobStore"/>) instead of the local directories.</summary>
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

    /// <summary>The snapshot store; null = a <see cref="LocalSnapshotStore"/> in <see cref="StoreDirectory"/> (default
    /// OUT/snapshots). Not owned by the run.</summary>
    public ISnapshotStore? Snapshots { get; init; }

    /// <summary>The committed-state store; null = a <see cref="LocalStateStore"/> in OUT/state. Not owned by the run.</summary>
    public IStateStore? State { get; init; }

    /// <summary>Where <see cref="State"/> lives, for log lines (e.g. "redis://127.0.0.1:6379/0 twa:local:job:id:");
    /// null = OUT/state.</summary>
    public string? StateLocation { get; init; }

    /// <summary>Receives this rank's steps, evaluations, basis and commits (metrics); null = none.</summary>
    public Phases.IRunObserver? Observer { get; init; }

    /// <summary>Membership generation of the commits (<see cref="CommittedState.Generation"/>); 0 outside elastic runs.</summary>
    public long Generation { get; init; }
}
