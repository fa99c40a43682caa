using Twa.Operator.Runtime;

namespace Twa.Operator.Tests.Runtime;

public sealed class WorkQueueTests
{
    private static WorkQueue NewQueue(Backoff? backoff = null) => new("test", backoff ?? Backoff.Reconcile, new OperatorMetrics("test"));

    [Fact(Timeout = 10_000)]
    public async Task Add_SameKeyTwiceBeforeTaken_QueuedOnce()
    {
        using var q = NewQueue();
        q.Add("ns/a");
        q.Add("ns/a");
        q.Add("ns/b");
        Assert.Equal(2, q.Depth);
        Assert.Equal("ns/a", await q.TakeAsync(CancellationToken.None));
        Assert.Equal("ns/b", await q.TakeAsync(CancellationToken.None));
        Assert.Equal(0, q.Depth);
    }

    [Fact(Timeout = 10_000)]
    public async Task Add_KeyBeingProcessed_NotHandedOutUntilDone()
    {
        using var q = NewQueue();
        q.Add("ns/a");
        var key = await q.TakeAsync(CancellationToken.None);
        q.Add("ns/a");
        Assert.Equal(0, q.Depth);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => q.TakeAsync(cts.Token));
        q.Done(key);
        Assert.Equal(1, q.Depth);
        Assert.Equal("ns/a", await q.TakeAsync(CancellationToken.None));
    }

    [Fact(Timeout = 10_000)]
    public async Task AddAfter_EarlierTimerWins_KeyArrivesOnce()
    {
        using var q = NewQueue();
        q.AddAfter("ns/a", TimeSpan.FromSeconds(30));
        q.AddAfter("ns/a", TimeSpan.FromMilliseconds(100));
        var started = DateTime.UtcNow;
        Assert.Equal("ns/a", await q.TakeAsync(CancellationToken.None));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(0, q.Depth);
    }

    [Fact]
    public void AddRateLimited_RepeatedFailures_DelaysGrowCappedAndForgetResets()
    {
        using var q = NewQueue();
        var delays = Enumerable.Range(0, 12).Select(_ => q.AddRateLimited("ns/a")).ToList();
        Assert.InRange(delays[0].TotalSeconds, 0.8, 1.2);
        Assert.InRange(delays[3].TotalSeconds, 6.4, 9.6);
        Assert.All(delays, d => Assert.True(d <= TimeSpan.FromMinutes(5)));
        Assert.InRange(delays[^1].TotalSeconds, 240, 300);
        Assert.Equal(12, q.Failures("ns/a"));
        q.Forget("ns/a");
        Assert.Equal(0, q.Failures("ns/a"));
        Assert.InRange(q.AddRateLimited("ns/a").TotalSeconds, 0.8, 1.2);
    }
}
