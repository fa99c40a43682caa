namespace Twa.Training.Data;

/// <summary>
/// The order in which one epoch visits a dataset, and how each GLOBAL batch is split over ranks.
/// The permutation depends only on (seed, epoch), never on the number of ranks, so the math of a job
/// does not change when it is re-sharded; a rank takes a contiguous slice of every global batch
/// (the first <c>B mod K</c> ranks take one sample more). The last batch may be smaller (no drop).
/// Immutable; thread-safe.
/// </summary>
public sealed class EpochSampler
{
    private readonly int[] _order;

    public EpochSampler(int count, int globalBatchSize, ulong seed, int epoch, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(globalBatchSize, 1);
        GlobalBatchSize = globalBatchSize;
        if (shuffle)
        {
            _order = SplitMix64.For(seed, 0xE90C, (ulong)epoch).Permutation(count);
        }
        else
        {
            _order = Enumerable.Range(0, count).ToArray();
        }
    }

    public int GlobalBatchSize { get; }

    public int Count => _order.Length;

    public int BatchCount => (_order.Length + GlobalBatchSize - 1) / GlobalBatchSize;

    /// <summary>Dataset indices of global batch <paramref name="batch"/>.</summary>
    public ReadOnlySpan<int> GlobalBatch(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(batch, BatchCount);
        var start = batch * GlobalBatchSize;
        return _order.AsSpan(start, Math.Min(GlobalBatchSize, _order.Length - start));
    }

    /// <summary>The slice of global batch <paramref name="batch"/> that <paramref name="rank"/> of
    /// <paramref name="worldSize"/> processes (possibly empty when the batch has fewer samples than ranks).</summary>
    public ReadOnlySpan<int> RankBatch(int batch, int rank, int worldSize)
    {
        var global = GlobalBatch(batch);
        var (start, length) = RankSlice(global.Length, rank, worldSize);
        return global.Slice(start, length);
    }

    /// <summary>(start, length) of rank's share of <paramref name="total"/> items split over <paramref name="worldSize"/> ranks.</summary>
    public static (int Start, int Length) RankSlice(int total, int rank, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        var baseSize = total / worldSize;
        var extra = total % worldSize;
        var start = rank * baseSize + Math.Min(rank, extra);
        return (start, baseSize + (rank < extra ? 1 : 0));
    }
}
