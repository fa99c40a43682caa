using Twa.Torch;
using Twa.Training.Distributed;

namespace Twa.Training.Averaging;

/// <summary>The journal TWA's parameter blocks (ALGORITHMS.md 2.2 step 1): consecutive parameter tensors are
/// merged until a block exceeds <c>layerSize</c>; 0 gives one block per tensor, ≥ D one global block.</summary>
public static class BlockPartition
{
    /// <summary>Block sizes (they add up to Σ tensorSizes).</summary>
    public static long[] Sizes(IReadOnlyList<long> tensorSizes, long layerSize)
    {
        ArgumentNullException.ThrowIfNull(tensorSizes);
        var blocks = new List<long> { 0 };
        foreach (var n in tensorSizes)
        {
            if (blocks[^1] > layerSize)
            {
                blocks.Add(n);
            }
            else
            {
                blocks[^1] += n;
            }
        }

        return blocks.ToArray();
    }

    /// <summary>For every column of <paramref name="columns"/> (default: all of 0..D-1), the index of its block
    /// (a new i64 tensor [columns.Count]).</summary>
    public static Tensor ColumnBlockIds(IReadOnlyList<long> blockSizes, Device device, ColumnRange? columns = null)
    {
        ArgumentNullException.ThrowIfNull(blockSizes);
        var range = columns ?? new ColumnRange(0, blockSizes.Sum());
        var ids = new long[range.Count];
        foreach (var s in Segments(blockSizes, range))
        {
            Array.Fill(ids, s.Block, (int)s.LocalOffset, (int)s.Length);
        }

        return Tensors.FromArray<long>(ids, [ids.Length], device);
    }

    /// <summary>The non-empty intersections of the blocks with <paramref name="columns"/>, in column order.</summary>
    public static IReadOnlyList<BlockSegment> Segments(IReadOnlyList<long> blockSizes, ColumnRange columns)
    {
        ArgumentNullException.ThrowIfNull(blockSizes);
        var segments = new List<BlockSegment>();
        long offset = 0;
        for (var b = 0; b < blockSizes.Count; b++)
        {
            var start = Math.Max(offset, columns.Start);
            var end = Math.Min(offset + blockSizes[b], columns.End);
            if (end > start)
            {
                segments.Add(new BlockSegment(b, start - columns.Start, end - start));
            }

            offset += blockSizes[b];
        }

        return segments;
    }
}
