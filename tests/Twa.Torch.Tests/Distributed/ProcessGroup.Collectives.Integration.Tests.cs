using System.Globalization;
using Twa.Torch.Distributed;
using Twa.Torch.DistWorker;
using Xunit.Abstractions;

namespace Twa.Torch.Tests.Distributed;

/// <summary>
/// Every collective across 3 real OS processes (one <see cref="CollectivesRun"/>), checked against results
/// computed here from <see cref="Inputs"/>.
/// </summary>
public sealed class ProcessGroupCollectivesIntegrationTests(CollectivesRun run, ITestOutputHelper output) : IClassFixture<CollectivesRun>
{
    private const int Timeout = 120_000;
    private const int P = CollectivesRun.Size;
    private const int C = Inputs.Columns;

    [Theory(Timeout = Timeout)]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Average)]
    [InlineData(ReduceOp.Min)]
    [InlineData(ReduceOp.Max)]
    public async Task AllReduce_ThreeProcesses_EveryRankGetsTheReduction(ReduceOp op)
    {
        var expected = Enumerable.Range(0, 5).Select(i => Reduce(op, Enumerable.Range(0, P).Select(r => Inputs.Value(r, i)))).ToArray();
        for (var r = 0; r < P; r++)
        {
            AssertClose(expected, await ResultAsync(r, $"allreduce_{op}"));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task ReduceScatter_EvenCounts_EachRankGetsItsSummedChunk()
    {
        for (var r = 0; r < P; r++)
        {
            var expected = Enumerable.Range(r * 2 * C, 2 * C).Select(k => Enumerable.Range(0, P).Sum(q => Inputs.Value(q, k))).ToArray();
            AssertClose(expected, await ResultAsync(r, "reduce_scatter_even"));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task ReduceScatter_UnevenCounts_EachRankGetsItsMaxChunk()
    {
        var counts = Inputs.UnevenReduceScatterCounts(P);
        Assert.NotEqual(counts[0], counts[1]);
        for (var r = 0; r < P; r++)
        {
            var first = (int)counts.Take(r).Sum() * C;
            var expected = Enumerable.Range(first, (int)counts[r] * C).Select(k => Enumerable.Range(0, P).Max(q => Inputs.Value(q, k))).ToArray();
            AssertClose(expected, await ResultAsync(r, "reduce_scatter_uneven"));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task AllGather_EvenCounts_EveryRankGetsAllChunksInRankOrder()
    {
        var expected = Enumerable.Range(0, P).SelectMany(q => Inputs.Values(q, 2 * C)).ToArray();
        for (var r = 0; r < P; r++)
        {
            AssertClose(expected, await ResultAsync(r, "allgather_even"));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task AllGather_UnevenCountsWithEmptyChunk_EveryRankGetsAllChunksInRankOrder()
    {
        var counts = Inputs.UnevenAllGatherCounts(P);
        Assert.Contains(0L, counts);
        var expected = Enumerable.Range(0, P).SelectMany(q => Inputs.Values(q, (int)counts[q] * C)).ToArray();
        for (var r = 0; r < P; r++)
        {
            AssertClose(expected, await ResultAsync(r, "allgather_uneven"));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Broadcast_LastRankAsRoot_EveryRankGetsTheRootsTensor()
    {
        var expected = Inputs.Values(Inputs.BroadcastRoot(P), 4);
        for (var r = 0; r < P; r++)
        {
            AssertClose(expected, await ResultAsync(r, "broadcast"));
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Barrier_ThreeProcesses_ReturnsOnEveryRank()
    {
        for (var r = 0; r < P; r++)
        {
            Assert.Equal("RESULT barrier ok", await LineAsync(r, "RESULT barrier"));
        }
    }

    [Theory(Timeout = Timeout)]
    [InlineData("rank_out_of_range", "rank 3 is outside [0, 3)")]
    [InlineData("rank_negative", "rank -1 is outside [0, 3)")]
    [InlineData("nccl", "nccl backend is not available")]
    [InlineData("non_contiguous", "must be contiguous")]
    [InlineData("counts_sum", "has 6 rows but the counts add up to 3")]
    [InlineData("counts_length", "counts has 4 entries but the group has 3 ranks")]
    [InlineData("allgather_rows", "not divisible by the group size 3")]
    [InlineData("average_integer", "average needs a floating-point tensor")]
    [InlineData("broadcast_root", "broadcast root 3 is outside the group")]
    public async Task Collective_BadInput_ThrowsArgumentExceptionAndGroupKeepsWorking(string name, string message)
    {
        var expectedAfter = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, P).Sum(q => Inputs.Value(q, i))).ToArray();
        for (var r = 0; r < P; r++)
        {
            var line = await LineAsync(r, $"BAD {name}");
            Assert.Equal(nameof(ArgumentException), WorkerProcess.Field(line, 2));
            Assert.Contains(message, WorkerProcess.Field(line, 3, rest: true), StringComparison.Ordinal);
            AssertClose(expectedAfter, await ResultAsync(r, "after_bad"));
        }
    }

    [Theory(Timeout = Timeout)]
    [InlineData(CollectiveOp.AllReduce)]
    [InlineData(CollectiveOp.ReduceScatter)]
    [InlineData(CollectiveOp.AllGather)]
    [InlineData(CollectiveOp.Broadcast)]
    public async Task BytesSent_LargeCollective_MatchesBytesWrittenToSockets(CollectiveOp op)
    {
        for (var r = 0; r < P; r++)
        {
            var line = await LineAsync(r, $"WIRE {op}");
            var counted = long.Parse(WorkerProcess.Field(line, 2), CultureInfo.InvariantCulture);
            var written = long.Parse(WorkerProcess.Field(line, 3), CultureInfo.InvariantCulture);
            output.WriteLine($"rank {r} {op}: counted {counted} B, written {written} B (+{written - counted} B of Gloo headers)");

            // written = payload + 48-byte Gloo headers (a few dozen messages at most).
            Assert.InRange(written - counted, 0, 4096);
        }
    }

    [Fact(Timeout = Timeout)]
    public async Task Stats_AfterScenario_CountEveryCallAndNoFailure()
    {
        output.WriteLine($"3-process scenario took {run.Elapsed.TotalSeconds:F2} s");
        for (var r = 0; r < P; r++)
        {
            var allReduce = await LineAsync(r, $"STATS {CollectiveOp.AllReduce}");
            output.WriteLine($"rank {r}: {allReduce}");

            // 4 ops + after_bad + the large one; the rejected average on integers is not a call.
            Assert.Equal("6", WorkerProcess.Field(allReduce, 2));
            Assert.Equal("0", WorkerProcess.Field(allReduce, 3));
            Assert.Equal("0", WorkerProcess.Field(await LineAsync(r, $"STATS {CollectiveOp.Barrier}"), 4));
        }
    }

    private static double Reduce(ReduceOp op, IEnumerable<double> values) => op switch
    {
        ReduceOp.Sum => values.Sum(),
        ReduceOp.Average => values.Average(),
        ReduceOp.Min => values.Min(),
        ReduceOp.Max => values.Max(),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private async Task<double[]> ResultAsync(int rank, string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await run.Rank(rank).ResultAsync(name, cts.Token);
    }

    private async Task<string> LineAsync(int rank, string prefix)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await run.Rank(rank).WaitForLineAsync(prefix, cts.Token);
    }
}
