namespace Twa.Cli;

/// <summary>What `twa train --workers N` passes to every rank process: the job file, output directory, store (a
/// directory or a Redis URI, see <see cref="RunStores"/>) and the run's Redis key prefix, the
/// seed override, the number of workers, the total thread budget and the planned resizes (<c>--scale-at [PHASE:]STEP:N</c>:
/// once rank 0 reports STEP steps done in PHASE, base or twa (default), the launcher publishes a generation of N workers).</summary>
internal sealed record LaunchSettings(string JobFile, string OutputDirectory, string? Store, long? Seed, int Workers, int? Threads)
{
    public IReadOnlyList<(string Phase, long Step, int Workers)> ScaleAt { get; init; } = [];

    /// <summary>The run's key prefix when <see cref="Store"/> is Redis (every worker uses the same one).</summary>
    public string? KeyPrefix { get; init; }

    /// <summary>Port of rank processes' metrics servers: 0 = an ephemeral port each, null = no metrics server.</summary>
    public int? MetricsPort { get; init; }
}
