using System.Diagnostics;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.LeaderElection;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.LeaderElection;

public sealed class LeaderElectorIntegrationTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    private sealed class Candidate : IDisposable
    {
        public Candidate(FakeApiServer server, string identity, bool releaseOnCancel = false, TimeSpan? lease = null)
        {
            Client = new KubernetesClient(server.ClientConfiguration(), new KubernetesClientOptions { MaxAttempts = 1 });
            Elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(Client, "twa-system", "twa-operator", identity))
            {
                LeaseDuration = lease ?? Lease,
                RenewDeadline = (lease ?? Lease) * 0.7,
                RetryPeriod = TimeSpan.FromMilliseconds(100),
                ReleaseOnCancel = releaseOnCancel,
            });
            Elector.StartedLeading += (_, _) => { Clock.Restart(); Started.TrySetResult(); };
            Elector.StoppedLeading += (_, _) => Stopped.TrySetResult(Elector.IsLeader());
            Run = Elector.RunUntilLeadershipLostAsync(Cancel.Token);
        }

        public KubernetesClient Client { get; }

        public LeaderElector Elector { get; }

        public CancellationTokenSource Cancel { get; } = new();

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Stopwatch Clock { get; } = new();

        public Task Run { get; }

        public void Dispose()
        {
            Cancel.Cancel();
            Client.Dispose();
            Cancel.Dispose();
        }
    }

    [Fact(Timeout = 30000)]
    public async Task RunUntilLeadershipLostAsync_TwoCandidates_ExactlyOneLeadsAndHoldsTheLease()
    {
        // A lease of 4 s, not the 1 s of the other tests: IsLeader turns false once the last renewal is older than the
        // renew deadline (0.7 of the lease), and with a 0.7 s deadline one stall of the loaded CI machine (2 cores,
        // the other test classes in parallel) made the healthy leader of this test step down (1 failure in 9 runs).
        var lease = TimeSpan.FromSeconds(4);
        await using var server = await FakeApiServer.StartAsync();
        using var a = new Candidate(server, "a", lease: lease);
        using var b = new Candidate(server, "b", lease: lease);

        var first = await Task.WhenAny(a.Started.Task, b.Started.Task);
        await Task.Delay(lease + TimeSpan.FromMilliseconds(500)); // longer than the lease: a healthy leader keeps it
        var (leader, follower) = first == a.Started.Task ? (a, b) : (b, a);

        Assert.True(leader.Elector.IsLeader());
        Assert.False(follower.Elector.IsLeader());
        Assert.False(follower.Started.Task.IsCompleted);
        var record = await leader.Client.GetAsync<V1Lease>("twa-operator", "twa-system");
        var identity = leader == a ? "a" : "b";
        Assert.Equal(identity, record.Spec.HolderIdentity);
        Assert.Equal(4, record.Spec.LeaseDurationSeconds);
        Assert.Equal(identity, follower.Elector.CurrentLeader);
        Assert.True(server.Requests.Total("update", "leases") >= 5, "the leader renews every retry period");
    }

    [Fact(Timeout = 30000)]
    public async Task RunUntilLeadershipLostAsync_LeaderStopsRenewing_OtherTakesOverOnlyAfterLeaseExpires()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var observer = new KubernetesClient(server.ClientConfiguration());
        using var a = new Candidate(server, "a");
        await a.Started.Task;
        using var b = new Candidate(server, "b");
        await Task.Delay(300);
        var before = await observer.GetAsync<V1Lease>("twa-operator", "twa-system");
        var from = before.Metadata.ResourceVersion;
        var history = new List<V1LeaseSpec> { before.Spec };
        using var stopWatching = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in observer.WatchAsync<V1Lease>("twa-system", new Twa.Kubernetes.Watch.WatchOptions { ResourceVersion = from, AllowBookmarks = false }, stopWatching.Token))
            {
                history.Add(e.Item!.Spec);
                if (e.Item.Spec.HolderIdentity == "b")
                {
                    return;
                }
            }
        });

        var clock = Stopwatch.StartNew();
        await a.Cancel.CancelAsync();
        await a.Run;
        await b.Started.Task;
        await watching;

        Assert.False(await a.Stopped.Task);
        Assert.False(a.Elector.IsLeader());
        Assert.True(b.Elector.IsLeader(), "b leads after taking over");
        Assert.True(clock.Elapsed < Lease + TimeSpan.FromSeconds(3), $"takeover took {clock.Elapsed}");
        // Safety: b acquired no earlier than a lease duration after a's last renewal (both stamped by this machine's clock).
        var lastRenewalOfA = history.Last(h => h.HolderIdentity == "a").RenewTime!.Value;
        var acquiredByB = history[^1].AcquireTime!.Value;
        Assert.True(acquiredByB - lastRenewalOfA >= Lease, $"b acquired {acquiredByB - lastRenewalOfA} after a's last renewal");
        Assert.Equal(1, history[^1].LeaseTransitions);
    }

    [Fact(Timeout = 30000)]
    public async Task RunUntilLeadershipLostAsync_ReleaseOnCancel_SuccessorTakesOverWithoutWaitingForExpiry()
    {
        await using var server = await FakeApiServer.StartAsync();
        var longLease = TimeSpan.FromSeconds(10);
        using var a = new Candidate(server, "a", releaseOnCancel: true, lease: longLease);
        await a.Started.Task;
        using var b = new Candidate(server, "b", lease: longLease);
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        await a.Cancel.CancelAsync();
        await b.Started.Task;

        Assert.True(clock.Elapsed < longLease / 2, $"took {clock.Elapsed}, as long as waiting for the lease to expire");
    }

    [Fact(Timeout = 30000)]
    public async Task RunUntilLeadershipLostAsync_RenewalsFail_StopsLeadingBeforeTheLeaseExpires()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var a = new Candidate(server, "a");
        await a.Started.Task;

        server.InjectFailures(1000, 500, verb: "update", resource: "leases");
        await Task.Delay(Lease); // by now another candidate could take over: this one must not believe it leads
        var leaderAfterLease = a.Elector.IsLeader();
        var stillLeadingAtStop = await a.Stopped.Task;
        await a.Run;

        Assert.False(leaderAfterLease);
        Assert.False(stillLeadingAtStop);
    }

    [Fact(Timeout = 30000)]
    public async Task IsLeader_RenewalHangs_FalseBeforeTheLeaseCouldExpireForOthers()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var a = new Candidate(server, "a");
        await a.Started.Task;

        server.InjectDelay(1000, TimeSpan.FromSeconds(30), verb: "get", resource: "leases");
        await Task.Delay(Lease);
        var leaderAfterLease = a.Elector.IsLeader();
        await a.Run;

        Assert.False(leaderAfterLease);
        Assert.False(await a.Stopped.Task);
    }

    [Fact]
    public void LeaderElectionConfig_RenewDeadlineNotBelowLease_Throws()
    {
        using var client = new KubernetesClient(new Twa.Kubernetes.Configuration.KubernetesClientConfiguration { Server = new Uri("http://127.0.0.1:1") });
        var config = new LeaderElectionConfig(new LeaseLock(client, "ns", "l", "me")) { LeaseDuration = TimeSpan.FromSeconds(10), RenewDeadline = TimeSpan.FromSeconds(10) };

        var e = Assert.Throws<ArgumentException>(() => new LeaderElector(config));

        Assert.Contains("LeaseDuration", e.Message, StringComparison.Ordinal);
    }
}
