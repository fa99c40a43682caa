namespace Twa.Cli;

/// <summary>What `twa train --workers N` passes to every rank process: the job file, output and store directories, the
/// seed override, the number of workers, the total thread budget and the planned resizes (<c>--scale-at [PHASE:]STEP:N</c>:
/// once rank 0 reports STEP steps done in PHASE, base or twa (default), the launcher publishes a generation of N workers).</summary>
internal sealed record LaunchSettings(string JobFile, string OutputDirectory, string? StoreDirectory, long? Seed, int Workers, int? Threads)
{
    public IReadOnlyList<(string Phase, long Step, int Workers)> ScaleAt { get; init; } = [];
}
