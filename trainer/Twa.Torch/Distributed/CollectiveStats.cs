using System.Diagnostics;

namespace Twa.Torch.Distributed;

/// <summary>
/// Per-collective counters of one rank: calls, failures, payload bytes sent and seconds, meant to be
/// exported as metrics (e.g. <c>twa_collective_bytes_total{op=...}</c>). One instance can be shared by the
/// successive process groups of an elastic job so the counters survive a rebuild.
/// </summary>
/// <remarks>
/// <para><c>BytesSent</c> is what THIS rank writes to its peers for the algorithm Gloo runs (payload only;
/// Gloo adds 48-byte control headers, e.g. +1728 B on an 8 MiB all-reduce of 3 ranks). With P ranks, B = the tensor's bytes, r = this rank:</para>
/// <list type="bullet">
/// <item><b>AllReduce</b> (Gloo ring, reduce-scatter then allgather over segments): N = roundUp(max(ceil(B / 1 MiB),
/// 2P), P) segments of s = roundUp(ceil(B/N), elementSize) bytes, S = N/P; this rank sends, for i in [0, N-S),
/// clip(((r+1)S+i)·s mod N·s) + clip((rS+i)·s mod N·s) with clip(o) = max(0, min(s, B-o)), i.e. 2(P-1)/P·B up to
/// the rounding of the segments.</item>
/// <item><b>ReduceScatter</b> (all-to-all, then a local reduction): the input rows of every other rank's chunk,
/// (rows - counts[r])·rowBytes.</item>
/// <item><b>AllGather</b> (Gloo ring): (P-1)·max(counts)·rowBytes; uneven chunks are padded to the largest.</item>
/// <item><b>Broadcast</b> (binomial tree rooted at root): B times the number of children of this rank's
/// virtual rank v = (r - root) mod P, i.e. #{k : 2^k &gt; v, v + 2^k &lt; P}; the root sends ceil(log2 P)·B.</item>
/// <item><b>Barrier</b>: 0 (dissemination barrier of empty messages).</item>
/// </list>
/// <para>NCCL groups use the textbook ring volumes (2(P-1)/P·B, (P-1)/P·B, (P-1)·chunk, B except for the last rank of the ring, 0).</para>
/// <para>Thread-safe: counters are updated atomically; a snapshot's four fields are read one by one, so a
/// snapshot taken during a call may mix before and after values.</para>
/// </remarks>
public sealed class CollectiveStats
{
    private static readonly int s_opCount = Enum.GetValues<CollectiveOp>().Length;

    private readonly long[] _calls = new long[s_opCount];
    private readonly long[] _failures = new long[s_opCount];
    private readonly long[] _bytes = new long[s_opCount];
    private readonly long[] _ticks = new long[s_opCount];

    /// <summary>The counters of <paramref name="op"/> so far.</summary>
    public CollectiveCounters this[CollectiveOp op]
    {
        get
        {
            var i = Index(op);
            return new CollectiveCounters(
                Interlocked.Read(ref _calls[i]),
                Interlocked.Read(ref _failures[i]),
                Interlocked.Read(ref _bytes[i]),
                (double)Interlocked.Read(ref _ticks[i]) / Stopwatch.Frequency);
        }
    }

    /// <summary>The counters of every collective, in <see cref="CollectiveOp"/> order (a new dictionary).</summary>
    public IReadOnlyDictionary<CollectiveOp, CollectiveCounters> Snapshot() =>
        Enum.GetValues<CollectiveOp>().ToDictionary(op => op, op => this[op]);

    internal void RecordSuccess(CollectiveOp op, long bytesSent, long elapsedTicks)
    {
        var i = Index(op);
        Interlocked.Increment(ref _calls[i]);
        Interlocked.Add(ref _bytes[i], bytesSent);
        Interlocked.Add(ref _ticks[i], elapsedTicks);
    }

    internal void RecordFailure(CollectiveOp op) => Interlocked.Increment(ref _failures[Index(op)]);

    private static int Index(CollectiveOp op) =>
        (uint)op < (uint)s_opCount ? (int)op : throw new ArgumentOutOfRangeException(nameof(op), op, "unknown collective");
}
