namespace Twa.Training.Distributed;

/// <summary>One membership generation (OPERATOR.md section 3.3): its number, the ordinals of its members (stable worker
/// identities; ranks are dense per generation, members sorted by ordinal) and when it was published (Unix ms).
/// Immutable.</summary>
public sealed record MembershipGeneration(int Number, IReadOnlyList<int> Members, long PublishedUnixMs)
{
    public int WorldSize => Members.Count;

    /// <summary>The rank of <paramref name="ordinal"/> in this generation, or -1 when it is not a member.</summary>
    public int RankOf(int ordinal) => Members.Order().ToList().IndexOf(ordinal);
}
