namespace Twa.Jobs;

/// <summary>Snapshot interval: every N epochs or every N steps (exactly one of them). Written whole: <c>{steps: 50}</c>
/// replaces the default <c>{epochs: 1}</c>.</summary>
[Yaml.WrittenWhole]
public sealed record SnapshotEverySpec
{
    public int? Epochs { get; init; }
    public int? Steps { get; init; }
}
