using System.Globalization;
using Twa.Torch.Distributed;
using Xunit.Abstractions;

namespace Twa.Torch.Tests.Distributed;

/// <summary>
/// Loss of one of 3 OS processes in the middle of an all-reduce: the survivors must fail within the group's
/// timeout (not hang), then build a new 2-rank group on a new store hosted by the lowest survivor, in the same
/// process, and all-reduce correctly.
/// </summary>
public sealed class ProcessGroupFailoverIntegrationTests(ITestOutputHelper output)
{
    private const int Size = 3;
    private const int TimeoutMs = 3000;
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    [Theory(Timeout = 90_000)]
    [InlineData(2)] // a plain peer
    [InlineData(0)] // the process hosting the TCPStore
    public async Task AllReduce_PeerKilled_SurvivorsFailFastAndRebuildSmallerGroup(int victim)
    {
        using var cts = new CancellationTokenSource(s_limit);
        var workers = await WorkerProcess.StartGroupAsync("failover", Size, TimeoutMs, victim, cts.Token);
        try
        {
            var survivors = workers.Where(w => w.Rank != victim).ToArray();
            await workers[victim].WaitForLineAsync("VICTIM", cts.Token);
            foreach (var s in survivors)
            {
                await s.WaitForLineAsync("ENTER", cts.Token);
            }

            await Task.Delay(300, cts.Token); // the survivors are now blocked inside the all-reduce
            var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            workers[victim].Kill();

            foreach (var s in survivors)
            {
                var failed = await s.WaitForLineAsync("FAILED", cts.Token);
                var failedAt = long.Parse(WorkerProcess.Field(failed, 3), CultureInfo.InvariantCulture);
                output.WriteLine($"rank {s.Rank} detected the death of rank {victim} after {failedAt - killedAt} ms: {failed}");
                Assert.Equal(nameof(DistributedException), WorkerProcess.Field(failed, 1));
                Assert.StartsWith($"allreduce failed on rank {s.Rank} of 3", WorkerProcess.Field(failed, 4, rest: true), StringComparison.Ordinal);
                Assert.InRange(failedAt - killedAt, 0, TimeoutMs);
            }

            await RebuildAndCheckAsync(survivors, cts.Token);
        }
        finally
        {
            WorkerProcess.DisposeAll(workers);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task AllReduce_PeerSilent_SurvivorsTimeOutAndRebuildSmallerGroup()
    {
        const int victim = 1;
        using var cts = new CancellationTokenSource(s_limit);
        var workers = await WorkerProcess.StartGroupAsync("failover", Size, TimeoutMs, victim, cts.Token);
        try
        {
            var survivors = workers.Where(w => w.Rank != victim).ToArray();
            foreach (var s in survivors)
            {
                var failed = await s.WaitForLineAsync("FAILED", cts.Token);
                var elapsed = long.Parse(WorkerProcess.Field(failed, 2), CultureInfo.InvariantCulture);
                output.WriteLine($"rank {s.Rank} gave up on silent rank {victim} after {elapsed} ms: {failed}");
                Assert.Equal(nameof(CollectiveTimeoutException), WorkerProcess.Field(failed, 1));
                Assert.Contains("timed out", WorkerProcess.Field(failed, 4, rest: true), StringComparison.OrdinalIgnoreCase);
                Assert.InRange(elapsed, TimeoutMs - 50, TimeoutMs + 2000);
            }

            await RebuildAndCheckAsync(survivors, cts.Token);
        }
        finally
        {
            WorkerProcess.DisposeAll(workers);
        }
    }

    private async Task RebuildAndCheckAsync(WorkerProcess[] survivors, CancellationToken cancellationToken)
    {
        // The lowest survivor hosts the new store; the orchestrator (this test) hands its port to the others.
        var port = await survivors[0].WaitForLineAsync("STORE2_PORT", cancellationToken);
        foreach (var s in survivors.Skip(1))
        {
            await s.SendLineAsync(port);
        }

        var expected = survivors.Sum(s => s.Rank + 1.0);
        foreach (var s in survivors)
        {
            Assert.Equal([expected, expected, expected, expected], await s.ResultAsync("rebuilt", cancellationToken));
            var stats = await s.WaitForLineAsync($"STATS {CollectiveOp.AllReduce}", cancellationToken);
            Assert.Equal("1", WorkerProcess.Field(stats, 3)); // the failed all-reduce, counted across both groups
            Assert.Equal(0, await s.WaitForExitAsync(cancellationToken));
            output.WriteLine($"rank {s.Rank}: {await s.WaitForLineAsync("ABORTED", cancellationToken)}; {await s.WaitForLineAsync("REBUILT", cancellationToken)}");
        }
    }
}
