using Twa.Training.Runs;

namespace Twa.Cli;

/// <summary>How an elastic worker ended (OPERATOR.md 4.4 <c>result</c>): <see cref="Completed"/> (the job finished;
/// <see cref="Result"/> is this rank's run result, with the outputs on rank 0), <see cref="Removed"/> (left out of
/// generation <see cref="Generation"/> by a scale-down) or <see cref="Suspended"/> (a generation without members).
/// Immutable.</summary>
internal sealed record WorkerOutcome(string Kind, int Generation, RunResult? Result, int Rank)
{
    public const string Completed = "completed";
    public const string Removed = "removed";
    public const string Suspended = "suspended";
}
