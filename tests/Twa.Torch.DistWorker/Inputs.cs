namespace Twa.Torch.DistWorker;

/// <summary>
/// The deterministic inputs of every rank, shared by the worker (which feeds them to the collectives) and the
/// tests (which compute the expected results from them independently). All values are exact in float64.
/// </summary>
public static class Inputs
{
    /// <summary>Columns of the 2-D tensors used by reduce-scatter and all-gather.</summary>
    public const int Columns = 2;

    /// <summary>Element <paramref name="index"/> (row-major) of rank <paramref name="rank"/>'s input: mixes signs
    /// so that min, max and sum pick different ranks per element.</summary>
    public static double Value(int rank, int index) => (((rank * 7) + (index * 3)) % 5) - 2 + (0.25 * rank);

    /// <summary>The first <paramref name="length"/> values of <paramref name="rank"/>.</summary>
    public static double[] Values(int rank, int length) => Enumerable.Range(0, length).Select(i => Value(rank, i)).ToArray();

    /// <summary>Uneven reduce-scatter rows per rank: 3, 1, 2, 3, 1, 2, ...</summary>
    public static long[] UnevenReduceScatterCounts(int size) => Enumerable.Range(0, size).Select(q => (long)(((q + 2) % 3) + 1)).ToArray();

    /// <summary>Uneven all-gather rows per rank, with an empty chunk: 2, 0, 3, 1, 4, ...</summary>
    public static long[] UnevenAllGatherCounts(int size) => Enumerable.Range(0, size).Select(q => (long)(((q * 3) + 2) % 5)).ToArray();

    /// <summary>The root of the broadcast step: the last rank (not 0, so the tree is rotated).</summary>
    public static int BroadcastRoot(int size) => size - 1;
}
