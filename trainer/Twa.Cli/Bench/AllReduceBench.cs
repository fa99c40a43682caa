using System.Diagnostics;
using Twa.Torch;
using Twa.Torch.Native;

namespace Twa.Cli.Bench;

/// <summary>
/// Benchmark (c): a SUM allreduce of one f32 buffer between 2 ranks on this machine, Gloo over TCP on
/// 127.0.0.1. The ranks are two threads of this process, each with its own TCPStore handle (rank 0
/// hosts it) and its own process group, so the collective is the same one separate processes would run.
/// Time per allreduce = the later of the two ranks to finish, after a barrier; median over the reps.
/// </summary>
/// <remarks>Only <see cref="LocalRank"/> touches the distributed API. It uses the internal P/Invoke layer
/// (NativeMethods.Dist.cs) until the public Twa.Torch.Distributed API (TcpStore, ProcessGroup) is
/// merged; switching means rewriting that class's three members against the public types.</remarks>
internal static class AllReduceBench
{
    public const int WorldSize = 2;

    /// <summary>Seconds per allreduce of <see cref="BenchSettings.AllReduceBytes"/> bytes (one sample per rep).</summary>
    public static double[] Run(BenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var elements = BenchSettings.AllReduceBytes / sizeof(float);
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ranks = new LocalRank?[WorldSize];
        var samples = new double[WorldSize][];
        var tasks = Enumerable.Range(0, WorldSize).Select(rank => Task.Factory.StartNew(
            () =>
            {
                try
                {
                    ranks[rank] = LocalRank.Join(rank, port, BenchSettings.Timeout);
                }
                catch (Exception e)
                {
                    port.TrySetException(e);
                    throw;
                }

                samples[rank] = TimeAllReduces(ranks[rank]!, elements, settings);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        try
        {
            Task.WaitAll(tasks);
        }
        finally
        {
            // Rank 0 last: its store is the server the other ranks' store handles talk to.
            for (var r = WorldSize - 1; r >= 0; r--)
            {
                ranks[r]?.Dispose();
            }
        }

        return Enumerable.Range(0, settings.AllReduceReps).Select(i => samples.Max(s => s[i])).ToArray();
    }

    private static double[] TimeAllReduces(LocalRank rank, long elements, BenchSettings settings)
    {
        using var buffer = Tensors.Zeros([elements]);
        for (var i = 0; i < settings.AllReduceWarmup; i++)
        {
            rank.AllReduceSum(buffer);
        }

        var seconds = new double[settings.AllReduceReps];
        for (var i = 0; i < seconds.Length; i++)
        {
            rank.Barrier();
            var t0 = Stopwatch.GetTimestamp();
            rank.AllReduceSum(buffer);
            seconds[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        rank.Barrier();
        return seconds;
    }

    /// <summary>One rank: its store client (the server on rank 0) and its Gloo process group.</summary>
    private sealed class LocalRank : IDisposable
    {
        private const string Host = "127.0.0.1";
        private const int Gloo = 0;
        private const int ReduceSum = 0;

        private readonly StoreHandle _store;
        private readonly ProcessGroupHandle _group;

        private LocalRank(StoreHandle store, ProcessGroupHandle group)
        {
            _store = store;
            _group = group;
        }

        /// <summary>Rank 0 hosts the store on a free port and publishes it; the others connect to it.
        /// Blocks until every rank has joined the group (rendezvous through the store).</summary>
        public static LocalRank Join(int rank, TaskCompletionSource<int> port, TimeSpan timeout)
        {
            var ms = (long)timeout.TotalMilliseconds;
            StoreHandle store;
            if (rank == 0)
            {
                Status.Check(NativeMethods.twa_store_tcp_new(Host, 0, WorldSize, 1, ms, out store));
                Status.Check(NativeMethods.twa_store_port(store, out var bound));
                port.TrySetResult(bound);
            }
            else
            {
                if (!port.Task.Wait(timeout))
                {
                    throw new TimeoutException("rank 0 did not publish the store port in time");
                }

                Status.Check(NativeMethods.twa_store_tcp_new(Host, port.Task.Result, WorldSize, 0, ms, out store));
            }

            var status = NativeMethods.twa_pg_new(store, rank, WorldSize, Gloo, ms, Host, out var group);
            if (status != Status.Ok)
            {
                group.Dispose();
                store.Dispose();
                Status.Check(status);
            }

            return new LocalRank(store, group);
        }

        public void AllReduceSum(Tensor tensor) => Status.Check(NativeMethods.twa_pg_allreduce(_group, tensor.Handle, ReduceSum));

        public void Barrier() => Status.Check(NativeMethods.twa_pg_barrier(_group));

        public void Dispose()
        {
            _group.Dispose();
            _store.Dispose();
        }
    }
}
