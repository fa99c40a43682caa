namespace Twa.Jobs;

/// <summary>Snapshot interval: every N epochs or every N steps (exactly one of them).</summary>
public sealed record SnapshotEverySpec
{
    public int? Epochs { get; init; }
    public int? Steps { get; init; }
}
