namespace Twa.Training.Runs;

/// <summary>Options of one local run (`twa train`): output directory, snapshot store directory (default
/// OUT/snapshots), a seed overriding the job's, and where log lines and per-step progress go.</summary>
public sealed record RunOptions(string OutputDirectory, string? StoreDirectory = null, long? Seed = null, Action<string>? Log = null)
{
    /// <summary>Per-step progress (phase, epoch, epochs, step in epoch, steps per epoch).</summary>
    public Action<string, int, int, int, int>? Progress { get; init; }
}
