namespace Twa.Training.Runs;

/// <summary>Options of one local run (`twa train`): output directory, snapshot store directory (default
/// OUT/snapshots), a seed overriding the job's, and where progress lines go.</summary>
public sealed record RunOptions(string OutputDirectory, string? StoreDirectory = null, long? Seed = null, Action<string>? Log = null);
