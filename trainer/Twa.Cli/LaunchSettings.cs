namespace Twa.Cli;

/// <summary>What `twa train --workers N` passes to every rank process: the job file, output and store directories, the
/// seed override, the number of workers and the total thread budget.</summary>
internal sealed record LaunchSettings(string JobFile, string OutputDirectory, string? StoreDirectory, long? Seed, int Workers, int? Threads);
