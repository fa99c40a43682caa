using Twa.Torch.Distributed;

namespace Twa.Torch.DistWorker;

/// <summary>
/// Every collective on <see cref="Inputs"/> (<c>RESULT name v,v,...</c>), then bad inputs that must be
/// rejected locally (<c>BAD name ExceptionType message</c>) followed by a collective proving the group still
/// works, then large collectives whose counted bytes are compared with the bytes written
/// (<c>WIRE op counted measured</c>), and the counters (<c>STATS op calls failures bytes seconds</c>).
/// </summary>
internal static class CollectivesScenario
{
    private const int C = Inputs.Columns;

    public static int Run(WorkerOptions o, TcpStore store, ProcessGroup g)
    {
        var r = g.Rank;
        var p = g.Size;
        foreach (var op in Enum.GetValues<ReduceOp>())
        {
            using var t = Vector(r, 5);
            g.AllReduce(t, op);
            Output.Result($"allreduce_{op}", t);
        }

        using (var input = Matrix(r, 2 * p))
        using (var output = Tensors.Zeros([2, C], DType.Float64))
        {
            g.ReduceScatter(output, input);
            Output.Result("reduce_scatter_even", output);
        }

        var rc = Inputs.UnevenReduceScatterCounts(p);
        using (var input = Matrix(r, rc.Sum()))
        using (var output = Tensors.Zeros([rc[r], C], DType.Float64))
        {
            g.ReduceScatter(output, input, rc, ReduceOp.Max);
            Output.Result("reduce_scatter_uneven", output);
        }

        using (var input = Matrix(r, 2))
        using (var output = Tensors.Zeros([2 * p, C], DType.Float64))
        {
            g.AllGather(output, input);
            Output.Result("allgather_even", output);
        }

        var ac = Inputs.UnevenAllGatherCounts(p);
        using (var input = Matrix(r, ac[r]))
        using (var output = Tensors.Zeros([ac.Sum(), C], DType.Float64))
        {
            g.AllGather(output, input, ac);
            Output.Result("allgather_uneven", output);
        }

        using (var t = Vector(r, 4))
        {
            g.Broadcast(t, Inputs.BroadcastRoot(p));
            Output.Result("broadcast", t);
        }

        g.Barrier();
        Output.Line("RESULT", "barrier", "ok");

        BadInputs(o, store, g);
        using (var t = Vector(r, 3))
        {
            g.AllReduce(t);
            Output.Result("after_bad", t);
        }

        WireBytes(g);
        foreach (var (op, c) in g.Stats.Snapshot())
        {
            Output.Line("STATS", op, c.Calls, c.Failures, c.BytesSent, c.Seconds);
        }

        return 0;
    }

    private static Tensor Vector(int rank, int length) => Tensors.FromArray<double>(Inputs.Values(rank, length));

    private static Tensor Matrix(int rank, long rows) => Tensors.FromArray<double>(Inputs.Values(rank, (int)rows * C), [rows, C]);

    private static void BadInputs(WorkerOptions o, TcpStore store, ProcessGroup g)
    {
        var r = g.Rank;
        var p = g.Size;
        var timeout = TimeSpan.FromMilliseconds(o.TimeoutMs);
        Bad("rank_out_of_range", () => ProcessGroup.Create(store.WithPrefix("bad"), p, p, Backend.Gloo, timeout, WorkerOptions.Host).Dispose());
        Bad("rank_negative", () => ProcessGroup.Create(store.WithPrefix("bad"), -1, p, Backend.Gloo, timeout, WorkerOptions.Host).Dispose());
        Bad("nccl", () => ProcessGroup.Create(store.WithPrefix("bad"), r, p, Backend.Nccl, timeout).Dispose());
        Bad("non_contiguous", () =>
        {
            using var m = Tensors.FromArray<double>(Inputs.Values(r, 6), [2, 3]);
            using var t = m.Transpose(0, 1);
            g.AllReduce(t);
        });
        Bad("counts_sum", () =>
        {
            using var input = Matrix(r, 2 * p);
            using var output = Tensors.Zeros([1, C], DType.Float64);
            g.ReduceScatter(output, input, Enumerable.Repeat(1L, p).ToArray());
        });
        Bad("counts_length", () =>
        {
            using var input = Matrix(r, 2);
            using var output = Tensors.Zeros([2 * p, C], DType.Float64);
            g.AllGather(output, input, Enumerable.Repeat(2L, p + 1).ToArray());
        });
        Bad("allgather_rows", () =>
        {
            using var input = Matrix(r, 2);
            using var output = Tensors.Zeros([(2 * p) + 1, C], DType.Float64);
            g.AllGather(output, input);
        });
        Bad("average_integer", () =>
        {
            using var t = Tensors.FromArray<long>([1L, 2L]);
            g.AllReduce(t, ReduceOp.Average);
        });
        Bad("broadcast_root", () =>
        {
            using var t = Vector(r, 2);
            g.Broadcast(t, p);
        });
    }

    private static void Bad(string name, Action action)
    {
        try
        {
            action();
            Output.Line("BAD", name, "none", "-");
        }
#pragma warning disable CA1031 // Reported to the test, which asserts the type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Output.Failure("BAD", name, e);
        }
    }

    private static void WireBytes(ProcessGroup g)
    {
        var r = g.Rank;
        var p = g.Size;
        Wire(g, CollectiveOp.AllReduce, () =>
        {
            using var t = Tensors.Ones([1L << 21]); // 8 MiB of float32: 3 segments per chunk with 3 ranks
            g.AllReduce(t);
        });
        var rc = Inputs.UnevenReduceScatterCounts(p).Select(c => c << 16).ToArray();
        Wire(g, CollectiveOp.ReduceScatter, () =>
        {
            using var input = Tensors.Ones([rc.Sum(), 4]);
            using var output = Tensors.Empty([rc[r], 4]);
            g.ReduceScatter(output, input, rc);
        });
        var ac = Inputs.UnevenAllGatherCounts(p).Select(c => c << 16).ToArray();
        Wire(g, CollectiveOp.AllGather, () =>
        {
            using var input = Tensors.Ones([ac[r], 4]);
            using var output = Tensors.Empty([ac.Sum(), 4]);
            g.AllGather(output, input, ac);
        });
        Wire(g, CollectiveOp.Broadcast, () =>
        {
            using var t = Tensors.Ones([1L << 20]);
            g.Broadcast(t, 0);
        });
    }

    private static void Wire(ProcessGroup g, CollectiveOp op, Action run)
    {
        g.Barrier();
        var counted = g.Stats[op].BytesSent;
        var written = WireMeter.Written();
        run();
        Output.Line("WIRE", op, g.Stats[op].BytesSent - counted, WireMeter.Written() - written);
    }
}
