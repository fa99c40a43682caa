using System.Diagnostics;
using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;
using Twa.Training.Models;

namespace Twa.Cli.Bench;

/// <summary>
/// The communication of one distributed TWA step, counted by the collectives layer on K real Gloo ranks (threads of
/// this process, TCP over 127.0.0.1): our column-sharded scheme (DESIGN.md section 5: reduce-scatter of the gradient,
/// all-reduce of the n coefficient gradients, all-gather of w) against the paper's row scheme (ALGORITHMS.md 1.7: the
/// DDP all-reduce of the gradient, then the all-reduce of the projected gradient, both of D values), on the parameter
/// count of real models with n = 6 snapshots. Per step: the most bytes any rank sent, and the time (slowest rank,
/// median over the reps). Also the basis the busiest rank holds (f32): its columns, vs its n/K rows in the row scheme
/// as the paper intends (the paper's code actually loads all n rows on every rank).
/// </summary>
internal static class DistributedStepBench
{
    private const int Snapshots = 6;

    public static DistributedStepResult[] Run(BenchSettings settings, TextWriter progress)
    {
        var results = new List<DistributedStepResult>();
        foreach (var (arch, shape) in new[] { ("lenet5", new long[] { 1, 28, 28 }), ("resnet20", new long[] { 3, 32, 32 }) })
        {
            long d;
            using (var model = ModelFactory.Create(arch, shape, 10))
            {
                d = model.Parameters.NumElements;
            }

            foreach (var k in new[] { 2, 3 })
            {
                progress.WriteLine($"twa bench: distributed TWA step, {arch} (D = {d:N0}), {k} ranks, column vs row scheme ...");
                results.Add(Measure(arch, d, k, settings));
            }
        }

        return results.ToArray();
    }

    private static DistributedStepResult Measure(string arch, long d, int k, BenchSettings settings)
    {
        var reps = settings.AllReduceReps;
        using var server = new TcpStore("127.0.0.1", 0, isServer: true, k, BenchSettings.Timeout);
        var perRank = new (long ColumnBytes, long RowBytes, double[] ColumnSeconds, double[] RowSeconds, long ColumnBasis, long RowBasis)[k];
        var errors = new Exception?[k];
        var threads = Enumerable.Range(0, k).Select(rank => new Thread(() =>
        {
            try
            {
                using var client = new TcpStore("127.0.0.1", server.Port, isServer: false, k, BenchSettings.Timeout);
                using var group = ProcessGroup.Create(client, rank, k, Backend.Gloo, BenchSettings.Timeout, "127.0.0.1");
                perRank[rank] = Rank(RankGroup.Of(group), group, d, reps);
            }
#pragma warning disable CA1031 // Rethrown on the calling thread below.
            catch (Exception e)
#pragma warning restore CA1031
            {
                errors[rank] = e;
            }
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            throw new InvalidOperationException($"distributed step bench, {k} ranks: {error.Message}", error);
        }

        var columnBytes = perRank.Max(r => r.ColumnBytes);
        var rowBytes = perRank.Max(r => r.RowBytes);
        var column = Series.Of(Enumerable.Range(0, reps).Select(i => perRank.Max(r => r.ColumnSeconds[i])).ToArray());
        var row = Series.Of(Enumerable.Range(0, reps).Select(i => perRank.Max(r => r.RowSeconds[i])).ToArray());
        return new DistributedStepResult(arch, d, k, Snapshots, columnBytes, rowBytes, (double)columnBytes / rowBytes, column, row,
            perRank.Max(r => r.ColumnBasis), perRank.Max(r => r.RowBasis));
    }

    /// <summary>One rank: bytes per step (from the counters) and seconds per step of both schemes.</summary>
    private static (long, long, double[], double[], long, long) Rank(RankGroup ranks, ProcessGroup group, long d, int reps)
    {
        using var scope = new TensorScope();
        using var gen = new Generator((ulong)(ranks.Rank + 1));
        var columns = ranks.Columns(d);
        var p = Tensors.Randn([Snapshots, columns.Count], gen);                 // column shard of P
        var rows = ColumnRange.Of(Snapshots, ranks.Rank, ranks.Size);            // the row scheme's rows of P
        var pRows = Tensors.Randn([Math.Max(rows.Count, 1), d], gen).Narrow(0, 0, rows.Count);
        var g = Tensors.Randn([d], gen);
        var gLocal = Tensors.Zeros([columns.Count]);
        var w = Tensors.Zeros([d]);
        var beta = Tensors.Randn([Snapshots], gen);

        void ColumnStep()
        {
            using var s = new TensorScope();
            ranks.ReduceScatterColumns(gLocal, g);
            var gradBeta = p.Mv(gLocal);
            ranks.AllReduce(gradBeta);
            ranks.AllGatherColumns(w, p.T().Mv(beta));
        }

        void RowStep()
        {
            using var s = new TensorScope();
            var full = g.Clone();
            ranks.AllReduce(full);                                              // DDP gradient
            var projected = pRows.T().Mv(pRows.Mv(full));
            ranks.AllReduce(projected);                                         // Σ_r P_rᵀ P_r g
        }

        var column = Time(ColumnStep, group, reps, out var columnBytes);
        var row = Time(RowStep, group, reps, out var rowBytes);
        return (columnBytes, rowBytes, column, row, p.NumElements * 4, rows.Count * d * 4);
    }

    private static double[] Time(Action step, ProcessGroup group, int reps, out long bytesPerStep)
    {
        step(); // warm-up
        group.Barrier();
        var before = Sent(group);
        var seconds = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            group.Barrier();
            var clock = Stopwatch.StartNew();
            step();
            seconds[i] = clock.Elapsed.TotalSeconds;
        }

        bytesPerStep = (Sent(group) - before) / reps;
        return seconds;
    }

    private static long Sent(ProcessGroup group) => group.Stats.Snapshot().Values.Sum(c => c.BytesSent);
}
