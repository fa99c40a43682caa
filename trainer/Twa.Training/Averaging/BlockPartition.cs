using Twa.Torch;

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

    /// <summary>For every column 0..D-1, the index of its block (i64 [D]).</summary>
    public static Tensor ColumnBlockIds(IReadOnlyList<long> blockSizes, Device device)
    {
        ArgumentNullException.ThrowIfNull(blockSizes);
        var ids = new long[blockSizes.Sum()];
        long offset = 0;
        for (var b = 0; b < blockSizes.Count; b++)
        {
            Array.Fill(ids, b, (int)offset, (int)blockSizes[b]);
            offset += blockSizes[b];
        }

        return Tensors.FromArray<long>(ids, [ids.Length], device);
    }
}
