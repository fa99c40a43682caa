namespace Twa.Torch.Distributed;

/// <summary>
/// Payload bytes one rank writes for each collective, replicating the send schedule of the algorithm the
/// backend runs (see the remarks of <see cref="CollectiveStats"/>). Pure functions; thread-safe.
/// </summary>
internal static class WireBytes
{
    /// <summary>Gloo's largest ring segment (gloo::AllreduceOptions kMaxSegmentSize).</summary>
    internal const long GlooMaxSegmentBytes = 1024 * 1024;

    public static long AllReduce(Backend backend, int rank, int size, long bytes, int elementSize)
    {
        if (size <= 1 || bytes <= 0)
        {
            return 0;
        }

        if (backend != Backend.Gloo)
        {
            return 2 * (size - 1) * bytes / size;
        }

        // gloo/allreduce.cc ring(): N = roundUp(max(ceil(B / 1 MiB), 2P), P) segments of s bytes, S = N/P per
        // rank; reduce-scatter and allgather each send N-S segments (clipped at the end of the buffer).
        long p = size;
        var maxSegment = elementSize * Math.Max(1, GlooMaxSegmentBytes / elementSize);
        var segments = RoundUp(Math.Max((bytes + maxSegment - 1) / maxSegment, 2 * p), p);
        var perRank = segments / p;
        var segment = RoundUp((bytes + segments - 1) / segments, elementSize);
        var span = segments * segment;
        long sent = 0;
        for (long i = 0; i < segments - perRank; i++)
        {
            sent += Clip(((((rank + 1) * perRank) + i) * segment) % span, segment, bytes);
            sent += Clip((((rank * perRank) + i) * segment) % span, segment, bytes);
        }

        return sent;
    }

    public static long ReduceScatter(int rank, ReadOnlySpan<long> counts, long rowBytes)
    {
        long rows = 0;
        foreach (var c in counts)
        {
            rows += c;
        }

        return (rows - counts[rank]) * rowBytes;
    }

    public static long AllGather(int size, ReadOnlySpan<long> counts, long rowBytes)
    {
        long max = 0;
        foreach (var c in counts)
        {
            max = Math.Max(max, c);
        }

        return (size - 1) * max * rowBytes;
    }

    public static long Broadcast(Backend backend, int rank, int size, int root, long bytes)
    {
        if (size <= 1)
        {
            return 0;
        }

        if (backend != Backend.Gloo)
        {
            return rank == (root + size - 1) % size ? 0 : bytes;
        }

        // gloo/broadcast.cc: binomial tree over virtual ranks (root = 0); v sends to v + 2^k for 2^k > v.
        long v = (rank - root + size) % size;
        long children = 0;
        for (long step = 1; step < size; step <<= 1)
        {
            if (step > v && v + step < size)
            {
                children++;
            }
        }

        return children * bytes;
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    private static long Clip(long offset, long segment, long total) => Math.Max(0, Math.Min(segment, total - offset));
}
