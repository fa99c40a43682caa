namespace Twa.Training.Distributed;

/// <summary>
/// The parameter columns [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of every basis row that
/// one rank owns (DESIGN.md section 5). A pure function of (D, world size, rank): the first D mod K ranks own one
/// column more, so uneven splits are allowed and K may exceed the number of snapshots. Immutable.
/// </summary>
public readonly record struct ColumnRange(long Start, long Count)
{
    public long End => Start + Count;

    /// <summary>The columns of <paramref name="rank"/> of <paramref name="worldSize"/> ranks over D = <paramref name="columns"/>.</summary>
    public static ColumnRange Of(long columns, int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var baseCount = columns / worldSize;
        var extra = columns % worldSize;
        return new ColumnRange(rank * baseCount + Math.Min(rank, extra), baseCount + (rank < extra ? 1 : 0));
    }

    /// <summary>The column count of every rank, in rank order (the counts of a reduce-scatter / all-gather of D).</summary>
    public static long[] Counts(long columns, int worldSize) =>
        Enumerable.Range(0, worldSize).Select(r => Of(columns, r, worldSize).Count).ToArray();
}
