using System.Diagnostics;
using Twa.Torch.Native;

namespace Twa.Torch.Distributed;

/// <summary>
/// A c10d process group: <see cref="Size"/> processes that run collectives on same-shaped tensors in the
/// same order. Every collective blocks until it completes on this rank, and fails with
/// <see cref="DistributedException"/> when a peer is lost (connection reset: typically within milliseconds of
/// its death) or <see cref="CollectiveTimeoutException"/> when it does not complete within
/// <see cref="Timeout"/> (a silent peer). After such a failure the group is unusable: <see cref="Abort"/> it and
/// create a new one (new store or store prefix, new size) in the same process.
/// </summary>
/// <remarks>
/// Bad arguments (non-contiguous tensors, counts that do not add up, an unavailable backend, a rank outside
/// [0, size)) are rejected with <see cref="ArgumentException"/> on the calling rank before anything is sent;
/// the group stays usable. Not thread-safe: issue the collectives of one group from one thread at a time.
/// <see cref="Abort"/> and <see cref="Dispose"/> may be called from any thread; if a collective is in flight
/// on another thread the native group is released when that call returns (at most <see cref="Timeout"/>).
/// Tensors are never owned by the group: inputs are read, outputs written in place.
/// </remarks>
public sealed class ProcessGroup : IDisposable
{
    private readonly ProcessGroupHandle _handle;

    private ProcessGroup(ProcessGroupHandle handle, int rank, int size, Backend backend, TimeSpan timeout, CollectiveStats stats)
    {
        _handle = handle;
        Rank = rank;
        Size = size;
        Backend = backend;
        Timeout = timeout;
        Stats = stats;
    }

    /// <summary>This process's rank, in [0, <see cref="Size"/>).</summary>
    public int Rank { get; }

    public int Size { get; }

    public Backend Backend { get; }

    /// <summary>The limit on every collective of this group.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Counters of the collectives run by this group (shared when passed to <see cref="Create"/>).</summary>
    public CollectiveStats Stats { get; }

    internal ProcessGroupHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>
    /// Joins the group of <paramref name="size"/> ranks that rendezvous through <paramref name="store"/>; blocks
    /// until every rank has joined (bounded by the store's timeout). The group keeps its own reference to the
    /// store, so the caller may dispose <paramref name="store"/> afterwards. Use a fresh store or a
    /// <see cref="TcpStore.WithPrefix"/> view per group: keys of an earlier group on the same store confuse the
    /// rendezvous.
    /// </summary>
    /// <param name="store">The rendezvous store.</param>
    /// <param name="rank">This process's rank, in [0, <paramref name="size"/>).</param>
    /// <param name="size">Number of ranks.</param>
    /// <param name="backend">Transport; <see cref="Backend.Nccl"/> only where <see cref="LibTorch.IsNcclAvailable"/>.</param>
    /// <param name="timeout">Limit on every collective (default 30 minutes, c10d's default).</param>
    /// <param name="bindAddress">Gloo: the address to bind to (e.g. "127.0.0.1"), or "if:NAME" for an interface;
    /// null resolves this host's name.</param>
    /// <param name="stats">Counters to add to, e.g. shared across the generations of an elastic job; null = new ones.</param>
    /// <returns>A new group owned by the caller.</returns>
    /// <exception cref="ArgumentException">Bad rank/size/timeout or an unavailable backend.</exception>
    /// <exception cref="DistributedException">The rendezvous failed or timed out.</exception>
    public static ProcessGroup Create(
        TcpStore store,
        int rank,
        int size,
        Backend backend = Backend.Gloo,
        TimeSpan? timeout = null,
        string? bindAddress = null,
        CollectiveStats? stats = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var t = timeout ?? TimeSpan.FromMinutes(30);
        var status = NativeMethods.twa_pg_new(store.Handle, rank, size, (int)backend, TcpStore.ToMilliseconds(t), bindAddress, out var handle);
        if (status != Status.Ok)
        {
            handle.Dispose();
            Status.Check(status);
        }

        return new ProcessGroup(handle, rank, size, backend, t, stats ?? new CollectiveStats());
    }

    /// <summary>Reduces <paramref name="tensor"/> across all ranks, in place; every rank ends with the result.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var start = Stopwatch.GetTimestamp();
        var status = NativeMethods.twa_pg_allreduce(Handle, tensor.Handle, (int)op);
        Complete(CollectiveOp.AllReduce, status, start, () =>
        {
            var elementSize = tensor.DType.ElementSize();
            return WireBytes.AllReduce(Backend, Rank, Size, tensor.NumElements * elementSize, elementSize);
        });
    }

    /// <summary>
    /// Splits <paramref name="input"/> along dim 0 into <see cref="Size"/> chunks of <paramref name="counts"/>[r]
    /// rows (default: equal chunks) and writes the reduction of every rank's chunk <see cref="Rank"/> into
    /// <paramref name="output"/>, which must have counts[Rank] rows and the input's other dimensions.
    /// </summary>
    public unsafe void ReduceScatter(Tensor output, Tensor input, ReadOnlySpan<long> counts = default, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        CheckCounts(counts);
        var start = Stopwatch.GetTimestamp();
        int status;
        fixed (long* p = counts)
        {
            status = NativeMethods.twa_pg_reduce_scatter(Handle, output.Handle, input.Handle, p, (int)op);
        }

        var c = counts.IsEmpty ? null : counts.ToArray();
        Complete(CollectiveOp.ReduceScatter, status, start, () =>
        {
            var rows = input.Size(0);
            return WireBytes.ReduceScatter(Rank, c ?? EqualCounts(rows), RowBytes(input, rows));
        });
    }

    /// <summary>
    /// Concatenates every rank's <paramref name="input"/> (counts[r] rows; default: equal) along dim 0 into
    /// <paramref name="output"/>, in rank order, on every rank.
    /// </summary>
    public unsafe void AllGather(Tensor output, Tensor input, ReadOnlySpan<long> counts = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        CheckCounts(counts);
        var start = Stopwatch.GetTimestamp();
        int status;
        fixed (long* p = counts)
        {
            status = NativeMethods.twa_pg_allgather(Handle, output.Handle, input.Handle, p);
        }

        var c = counts.IsEmpty ? null : counts.ToArray();
        Complete(CollectiveOp.AllGather, status, start, () =>
        {
            var rows = output.Size(0);
            return WireBytes.AllGather(Size, c ?? EqualCounts(rows), RowBytes(output, rows));
        });
    }

    /// <summary>Copies <paramref name="tensor"/> of rank <paramref name="root"/> into <paramref name="tensor"/> on every rank.</summary>
    public void Broadcast(Tensor tensor, int root)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var start = Stopwatch.GetTimestamp();
        var status = NativeMethods.twa_pg_broadcast(Handle, tensor.Handle, root);
        Complete(CollectiveOp.Broadcast, status, start, () =>
            WireBytes.Broadcast(Backend, Rank, Size, root, tensor.NumElements * tensor.DType.ElementSize()));
    }

    /// <summary>Returns once every rank has entered the barrier.</summary>
    public void Barrier()
    {
        var start = Stopwatch.GetTimestamp();
        var status = NativeMethods.twa_pg_barrier(Handle);
        Complete(CollectiveOp.Barrier, status, start, static () => 0);
    }

    /// <summary>
    /// Releases the group without waiting for pending work (Gloo: torn down on a background thread; NCCL:
    /// communicators aborted where libtorch supports it). Use after a failure, when peers may be dead.
    /// Idempotent; the group is disposed afterwards.
    /// </summary>
    public void Abort()
    {
        _handle.Abort = true;
        _handle.Dispose();
    }

    /// <summary>Releases the group, waiting for pending work to finish (at most <see cref="Timeout"/>).</summary>
    public void Dispose() => _handle.Dispose();

    private void CheckCounts(ReadOnlySpan<long> counts)
    {
        if (!counts.IsEmpty && counts.Length != Size)
        {
            throw new ArgumentException($"counts has {counts.Length} entries but the group has {Size} ranks", nameof(counts));
        }
    }

    private long[] EqualCounts(long rows)
    {
        var c = new long[Size];
        Array.Fill(c, rows / Size);
        return c;
    }

    private static long RowBytes(Tensor t, long rows) => rows == 0 ? 0 : t.NumElements / rows * t.DType.ElementSize();

    private void Complete(CollectiveOp op, int status, long start, Func<long> bytesSent)
    {
        switch (status)
        {
            case Status.Ok:
                Stats.RecordSuccess(op, bytesSent(), Stopwatch.GetTimestamp() - start);
                return;
            case Status.Distributed or Status.Timeout:
                Stats.RecordFailure(op);
                break;
        }

        Status.Check(status);
    }
}
