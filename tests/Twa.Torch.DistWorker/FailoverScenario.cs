using System.Diagnostics;
using Twa.Torch.Distributed;

namespace Twa.Torch.DistWorker;

/// <summary>
/// One all-reduce (<c>READY</c>); then <see cref="WorkerOptions.Victim"/> stops taking part (<c>VICTIM</c>, and
/// the test kills it or leaves it silent) while the others enter an all-reduce (<c>ENTER unixMs</c>) that must
/// fail (<c>FAILED ExceptionType elapsedMs unixMs message</c>). The survivors abort the group, the lowest one
/// hosts a new store (<c>STORE2_PORT p</c>; the others read that line from stdin), and they all-reduce
/// rank+1 in a new group (<c>RESULT rebuilt v,...</c>).
/// </summary>
internal static class FailoverScenario
{
    public static int Run(WorkerOptions o, TcpStore store, ProcessGroup g)
    {
        using (var t = Tensors.Ones([4], DType.Float64))
        {
            g.AllReduce(t);
            Output.Result("first", t);
        }

        Output.Line("READY");
        if (o.Rank == o.Victim)
        {
            Output.Line("VICTIM");
            Thread.Sleep(Timeout.Infinite);
        }

        Output.Line("ENTER", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var clock = Stopwatch.StartNew();
        try
        {
            using var t = Tensors.Ones([1024], DType.Float64);
            g.AllReduce(t);
            Output.Line("ERROR", "allreduce", "none", "the collective succeeded without the victim");
            return 2;
        }
        catch (DistributedException e)
        {
            Output.Line("FAILED", e.GetType().Name, clock.ElapsedMilliseconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Output.OneLine(e.Message));
        }

        clock.Restart();
        g.Abort();
        store.Dispose();
        Output.Line("ABORTED", clock.ElapsedMilliseconds);

        var rank = o.Rank < o.Victim ? o.Rank : o.Rank - 1;
        var size = o.Size - 1;
        int port;
        if (rank == 0)
        {
            port = 0;
        }
        else
        {
            var line = Console.ReadLine() ?? throw new InvalidOperationException("stdin closed before STORE2_PORT");
            port = int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        using var store2 = new TcpStore(WorkerOptions.Host, port, isServer: rank == 0, size, WorkerOptions.StoreTimeout);
        if (store2.IsServer)
        {
            Output.Line("STORE2_PORT", store2.Port);
        }

        clock.Restart();
        using var g2 = ProcessGroup.Create(store2, rank, size, Backend.Gloo, g.Timeout, WorkerOptions.Host, g.Stats);
        using (var t = Tensors.Full([4], o.Rank + 1, DType.Float64))
        {
            g2.AllReduce(t);
            Output.Result("rebuilt", t);
        }

        Output.Line("REBUILT", rank, size, clock.ElapsedMilliseconds);
        var c = g2.Stats[CollectiveOp.AllReduce];
        Output.Line("STATS", CollectiveOp.AllReduce, c.Calls, c.Failures, c.BytesSent, c.Seconds);
        return 0;
    }
}
