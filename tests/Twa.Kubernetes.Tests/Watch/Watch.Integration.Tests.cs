using System.Diagnostics;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;
using Twa.Kubernetes.Watch;

namespace Twa.Kubernetes.Tests.Watch;

public sealed class WatchIntegrationTests
{
    private static V1ConfigMap Cm(string name, string? label = null) => new()
    {
        Metadata = { Name = name, Namespace = "default", Labels = label is null ? null : new Dictionary<string, string> { ["app"] = label } },
    };

    private static async Task<List<WatchEvent<T>>> TakeAsync<T>(IAsyncEnumerable<WatchEvent<T>> stream, int count, Func<WatchEvent<T>, bool>? filter = null)
        where T : class, IKubernetesObject
    {
        var result = new List<WatchEvent<T>>();
        await foreach (var e in stream)
        {
            if (filter is null || filter(e))
            {
                result.Add(e);
            }

            if (result.Count == count)
            {
                break;
            }
        }

        return result;
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_FromListResourceVersion_SeesLaterChangesInOrder()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(Cm("before"));
        var list = await client.ListAsync<V1ConfigMap>("default");

        var watching = TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }), 3, e => e.Type != WatchEventType.Bookmark);
        var a = await client.CreateAsync(Cm("a"));
        a.Data = new Dictionary<string, string> { ["x"] = "1" };
        await client.ReplaceAsync(a);
        await client.DeleteAsync<V1ConfigMap>("a");
        var events = await watching;

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type).ToArray());
        Assert.All(events, e => Assert.Equal("a", e.Item!.Metadata.Name));
        Assert.Equal("1", events[1].Item!.Data!["x"]);
        Assert.True(long.Parse(events[2].ResourceVersion!) > long.Parse(events[1].ResourceVersion!));
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_NoResourceVersion_StartsWithSyntheticAdded()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(Cm("x"));
        await client.CreateAsync(Cm("y"));

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default"), 2);

        Assert.Equal(["x", "y"], events.Select(e => e.Item!.Metadata.Name!).ToArray());
        Assert.All(events, e => Assert.Equal(WatchEventType.Added, e.Type));
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_ResumeFromEarlierResourceVersion_ReplaysMissedEvents()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var first = await client.CreateAsync(Cm("first"));
        await client.CreateAsync(Cm("second"));
        await client.DeleteAsync<V1ConfigMap>("first");

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = first.Metadata.ResourceVersion }), 2);

        Assert.Equal((WatchEventType.Added, "second"), (events[0].Type, events[0].Item!.Metadata.Name));
        Assert.Equal((WatchEventType.Deleted, "first"), (events[1].Type, events[1].Item!.Metadata.Name));
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_LabelSelectorTransitions_BecomeAddedAndDeleted()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var list = await client.ListAsync<V1ConfigMap>("default");

        var watching = TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion, LabelSelector = "app=on" }), 2, e => e.Type != WatchEventType.Bookmark);
        var cm = await client.CreateAsync(Cm("c", "off"));
        cm.Metadata.Labels!["app"] = "on";
        cm = await client.ReplaceAsync(cm);
        cm.Metadata.Labels!["app"] = "off";
        await client.ReplaceAsync(cm);
        var events = await watching;

        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted], events.Select(e => e.Type).ToArray());
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_Idle_ReceivesPeriodicBookmarksWithCurrentResourceVersion()
    {
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var client = new KubernetesClient(server.ClientConfiguration());
        var cm = await client.CreateAsync(Cm("x"));

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = cm.Metadata.ResourceVersion }), 2);

        Assert.All(events, e => Assert.Equal(WatchEventType.Bookmark, e.Type));
        Assert.Equal(cm.Metadata.ResourceVersion, events[0].ResourceVersion);
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_TimeoutSeconds_ServerEndsStreamWithFinalBookmark()
    {
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { BookmarkInterval = TimeSpan.FromMinutes(1) });
        using var client = new KubernetesClient(server.ClientConfiguration());
        var cm = await client.CreateAsync(Cm("x"));
        var clock = Stopwatch.StartNew();

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = cm.Metadata.ResourceVersion, TimeoutSeconds = 1 }), int.MaxValue);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        var last = Assert.Single(events);
        Assert.Equal(WatchEventType.Bookmark, last.Type);
        Assert.Equal(cm.Metadata.ResourceVersion, last.ResourceVersion);
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_ResourceVersionCompactedAway_YieldsExpiredAndEnds()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var old = await client.CreateAsync(Cm("a"));
        await client.CreateAsync(Cm("b"));
        server.Compact();

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = old.Metadata.ResourceVersion }), int.MaxValue);
        var relist = await client.ListAsync<V1ConfigMap>("default");
        var resumed = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = relist.Metadata.ResourceVersion, TimeoutSeconds = 1, AllowBookmarks = false }), int.MaxValue);

        var expired = Assert.Single(events);
        Assert.Equal(WatchEventType.Expired, expired.Type);
        Assert.Equal(410, expired.Status!.Code);
        Assert.Equal("Expired", expired.Status.Reason);
        Assert.Empty(resumed);
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_HistoryLimitExceeded_OldResourceVersionExpires()
    {
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { HistoryLimit = 3 });
        using var client = new KubernetesClient(server.ClientConfiguration());
        var first = await client.CreateAsync(Cm("c0"));
        for (var i = 1; i <= 4; i++)
        {
            await client.CreateAsync(Cm($"c{i}"));
        }

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = first.Metadata.ResourceVersion }), 1);

        Assert.Equal(WatchEventType.Expired, events[0].Type);
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_Cancelled_ClosesStreamPromptly()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        using var cts = new CancellationTokenSource();
        var list = await client.ListAsync<V1ConfigMap>("default");
        var received = new TaskCompletionSource();

        var watching = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }, cts.Token))
            {
                received.TrySetResult();
            }
        });
        await client.CreateAsync(Cm("x"));
        await received.Task;
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancel took {clock.Elapsed}"); // vs the 300 s watch timeout
        await WaitUntilAsync(() => server.WatchCount == 0);
    }

    [Fact(Timeout = 30000)]
    public async Task KillAllWatches_OpenWatch_StreamEndsWithoutError()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var list = await client.ListAsync<V1ConfigMap>("default");
        var received = new List<WatchEvent<V1ConfigMap>>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }))
            {
                received.Add(e);
                first.TrySetResult();
            }
        });
        await client.CreateAsync(Cm("x"));
        await first.Task;

        server.KillAllWatches();
        await watching;

        Assert.Equal(0, server.WatchCount);
        Assert.Equal(WatchEventType.Added, Assert.Single(received).Type);
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_CustomResourceAllNamespaces_SeesStatusWrites()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var list = await client.ListAsync<V1Alpha1TestJob>();

        var watching = TakeAsync(client.WatchAsync<V1Alpha1TestJob>(null, new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }), 2, e => e.Type != WatchEventType.Bookmark);
        var job = await client.CreateAsync(V1Alpha1TestJob.Create("j", ns: "other"));
        job.Status.Phase = "Running";
        await client.ReplaceStatusAsync(job);
        var events = await watching;

        Assert.Equal(WatchEventType.Modified, events[1].Type);
        Assert.Equal("Running", events[1].Item!.Status.Phase);
        Assert.Equal(1, events[1].Item!.Metadata.Generation);
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_ResumeAfterKilledConnection_DeliversChangesMadeDuringTheGap()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var list = await client.ListAsync<V1ConfigMap>("default");
        var lastSeen = list.Metadata.ResourceVersion;
        var watching = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = lastSeen }))
            {
                lastSeen = e.ResourceVersion ?? lastSeen;
            }
        });
        await client.CreateAsync(Cm("seen"));
        await WaitUntilAsync(() => lastSeen != list.Metadata.ResourceVersion);

        server.KillAllWatches();
        await watching;
        await client.CreateAsync(Cm("missed-1"));
        await client.DeleteAsync<V1ConfigMap>("seen");
        var resumed = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = lastSeen }), 2);

        Assert.Equal([(WatchEventType.Added, "missed-1"), (WatchEventType.Deleted, "seen")], resumed.Select(e => (e.Type, e.Item!.Metadata.Name!)).ToArray());
    }

    [Fact(Timeout = 30000)]
    public async Task WatchAsync_FromEmptyServersListVersionStartedLate_ReplaysChanges()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var list = await client.ListAsync<V1ConfigMap>("default");
        await client.CreateAsync(Cm("late"));

        var events = await TakeAsync(client.WatchAsync<V1ConfigMap>("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }), 1);

        Assert.NotEqual("0", list.Metadata.ResourceVersion); // "0" would mean "any version" and skip the history
        Assert.Equal((WatchEventType.Added, "late"), (events[0].Type, events[0].Item!.Metadata.Name));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20);
        }
    }
}
