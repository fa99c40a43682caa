namespace Twa.Jobs;

/// <summary>Snapshot indices <c>from, from+stride, ...</c> below <c>to</c> (end exclusive).</summary>
public sealed record SnapshotRangeSpec
{
    public int From { get; init; }
    public int To { get; init; }
    public int Stride { get; init; } = 1;

    /// <summary>The selected indices.</summary>
    public IEnumerable<int> Indices()
    {
        for (var i = From; i < To; i += Math.Max(Stride, 1))
        {
            yield return i;
        }
    }
}
