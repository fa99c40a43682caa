namespace Twa.Training.Distributed;

/// <summary>One membership generation (OPERATOR.md section 3.3): its number, the ordinals of its members (stable worker
/// identities; ranks are dense per generation, members sorted by ordinal) and when it was published (Unix ms).
/// A generation read from the operator's record also names where its rank 0 hosts the c10d store
/// (<see cref="StoreHost"/>, <see cref="StorePort"/>); the local launcher's generations leave them unset (rank 0
/// publishes an ephemeral port instead). Immutable.</summary>
public sealed record MembershipGeneration(int Number, IReadOnlyList<int> Members, long PublishedUnixMs)
{
    public int WorldSize => Members.Count;

    /// <summary>Host of the generation's c10d store (rank 0's pod), or null when not given by the record.</summary>
    public string? StoreHost { get; init; }

    /// <summary>Port of the generation's c10d store, or 0 when not given by the record.</summary>
    public int StorePort { get; init; }

    /// <summary>Why the generation was published (the operator's reason), or null.</summary>
    public string? Reason { get; init; }

    /// <summary>The rank of <paramref name="ordinal"/> in this generation, or -1 when it is not a member.</summary>
    public int RankOf(int ordinal) => Members.Order().ToList().IndexOf(ordinal);
}
