using Twa.Torch.Distributed;

namespace Twa.Torch.Tests.Distributed;

/// <summary>In-process checks on a 1-rank Gloo group: argument validation (before anything is sent), dtypes,
/// lifetime and counters. The multi-process behaviour is in the *.Integration.Tests.cs files.</summary>
public sealed class ProcessGroupTests
{
    private const string Host = "127.0.0.1";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Theory(Timeout = Bounded.Timeout)]
    [InlineData(-1, 1)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    public Task Create_RankOutsideGroup_ThrowsArgumentException(int rank, int size) => Bounded.Run(() =>
    {
        using var store = NewStore();
        var e = Assert.Throws<ArgumentException>(() => ProcessGroup.Create(store, rank, size, Backend.Gloo, s_timeout, Host));
        Assert.Matches(@"rank -?\d+ is outside \[0, \d+\)|group size must be >= 1", e.Message);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Create_NcclOnCpuBuild_ThrowsArgumentException() => Bounded.Run(() =>
    {
        if (LibTorch.IsNcclAvailable)
        {
            return; // a CUDA build would try to rendezvous instead
        }

        using var store = NewStore();
        var e = Assert.Throws<ArgumentException>(() => ProcessGroup.Create(store, 0, 1, Backend.Nccl, s_timeout));
        Assert.Contains("nccl backend is not available", e.Message, StringComparison.Ordinal);
        using var group = ProcessGroup.Create(store.WithPrefix("retry"), 0, 1, Backend.Gloo, s_timeout, Host);
        Assert.Equal(1, group.Size);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Create_ZeroTimeout_ThrowsArgumentOutOfRangeException() => Bounded.Run(() =>
    {
        using var store = NewStore();
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Create(store, 0, 1, Backend.Gloo, TimeSpan.Zero, Host));
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task AllReduce_NonContiguousTensor_ThrowsArgumentExceptionAndGroupKeepsWorking() => Bounded.Run(() =>
    {
        using var store = NewStore();
        using var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host);
        using var m = Tensors.FromArray<float>([1, 2, 3, 4, 5, 6], [2, 3]);
        using var t = m.Transpose(0, 1);
        var e = Assert.Throws<ArgumentException>(() => group.AllReduce(t));
        Assert.Contains("must be contiguous", e.Message, StringComparison.Ordinal);

        group.AllReduce(m, ReduceOp.Max);
        Assert.Equal([1f, 2, 3, 4, 5, 6], m.ToArray<float>());
        Assert.Equal(0, group.Stats[CollectiveOp.AllReduce].Failures);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task ReduceScatter_CountsNotAddingUp_ThrowsArgumentException() => Bounded.Run(() =>
    {
        using var store = NewStore();
        using var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host);
        using var input = Tensors.Ones([4, 2]);
        using var output = Tensors.Zeros([3, 2]);
        var e = Assert.Throws<ArgumentException>(() => group.ReduceScatter(output, input, [3]));
        Assert.Contains("has 4 rows but the counts add up to 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => group.ReduceScatter(output, input, [3, 1]));
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task AllGather_OutputOfAnotherDtype_ThrowsArgumentException() => Bounded.Run(() =>
    {
        using var store = NewStore();
        using var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host);
        using var input = Tensors.Ones([2, 2]);
        using var output = Tensors.Zeros([2, 2], DType.Float64);
        var e = Assert.Throws<ArgumentException>(() => group.AllGather(output, input));
        Assert.Contains("allgather output is Double", e.Message, StringComparison.Ordinal);
    });

    [Theory(Timeout = Bounded.Timeout)]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float16)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.UInt8)]
    public Task AllReduce_SingleRank_LeavesTheValuesAndSendsNothing(DType dtype) => Bounded.Run(() =>
    {
        using var store = NewStore();
        using var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host);
        using var t = Tensors.Full([3], 7, dtype);
        group.AllReduce(t);
        group.Broadcast(t, 0);
        group.Barrier();
        using var f = t.To(DType.Float64);
        Assert.Equal([7.0, 7, 7], f.ToArray<double>());
        Assert.Equal(new CollectiveCounters(1, 0, 0, group.Stats[CollectiveOp.AllReduce].Seconds), group.Stats[CollectiveOp.AllReduce]);
        Assert.Equal(1, group.Stats[CollectiveOp.Barrier].Calls);
    });

    [Theory(Timeout = Bounded.Timeout)]
    [InlineData(DType.Bool)]
    [InlineData(DType.BFloat16)]
    public Task AllReduce_DtypeGlooCannotDispatch_ThrowsArgumentExceptionAndGroupKeepsWorking(DType dtype) => Bounded.Run(() =>
    {
        if (!LibTorch.Version.StartsWith("1.", StringComparison.Ordinal))
        {
            return; // the check is limited to libtorch 1.13, where it was verified
        }

        using var store = NewStore();
        using var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host);
        using var t = Tensors.Ones([3], dtype);
        var e = Assert.Throws<ArgumentException>(() => group.AllReduce(t));
        Assert.Contains("convert to UInt8 or Float32", e.Message, StringComparison.Ordinal);
        using var ok = Tensors.Ones([3]);
        group.AllReduce(ok);
        Assert.Equal(0, group.Stats[CollectiveOp.AllReduce].Failures);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task AllReduce_EmptyTensor_ReturnsWithoutCommunicating() => Bounded.Run(() =>
    {
        using var store = NewStore();
        using var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host);
        using var t = Tensors.Zeros([0]);
        group.AllReduce(t);
        using var output = Tensors.Zeros([0, 2]);
        group.AllGather(output, output);
        Assert.Equal(1, group.Stats[CollectiveOp.AllGather].Calls);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Abort_CalledTwice_IsIdempotentAndLaterCallsThrowObjectDisposed() => Bounded.Run(() =>
    {
        using var store = NewStore();
        var stats = new CollectiveStats();
        var group = ProcessGroup.Create(store, 0, 1, Backend.Gloo, s_timeout, Host, stats);
        using var t = Tensors.Ones([2]);
        group.AllReduce(t);
        group.Abort();
        group.Abort();
        group.Dispose();
        Assert.Throws<ObjectDisposedException>(() => group.AllReduce(t));

        using var next = ProcessGroup.Create(store.WithPrefix("gen2"), 0, 1, Backend.Gloo, s_timeout, Host, stats);
        next.AllReduce(t);
        Assert.Same(stats, next.Stats);
        Assert.Equal(2, stats[CollectiveOp.AllReduce].Calls);
    });

    private static TcpStore NewStore() => new(Host, 0, isServer: true, worldSize: 1, s_timeout);
}
