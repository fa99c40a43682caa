using System.Text.Json.Nodes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;
using Twa.Kubernetes.Watch;
using Twa.Operator.Runtime;

namespace Twa.Operator.Tests.Runtime;

public sealed class InformerTests
{
    private static JsonObject Pod(string name, string job) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "ns", ["labels"] = new JsonObject { ["twa.dev/job-name"] = job } },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "trainer", ["image"] = "x" }) },
    };

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Run_ListWatchKillAndCompact_CacheFollowsServerAndRestartsAreCounted()
    {
        await using var api = await FakeApiServer.StartAsync(new FakeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var client = new KubernetesClient(api.ClientConfiguration());
        var pods = new Twa.Kubernetes.ResourceDescriptor("", "v1", "pods", "Pod");
        api.Seed(pods, Pod("p0", "j"));
        api.Seed(pods, Pod("other", "j") is var o && o["metadata"]!["labels"]!.AsObject().Remove("twa.dev/job-name") ? o : o);
        var metrics = new OperatorMetrics("test");
        var informer = new Informer<V1Pod>(client, [], new InformerOptions { LabelSelector = "twa.dev/job-name", WatchTimeoutSeconds = 60 }, metrics, OperatorLog.None);
        var events = new List<(WatchEventType, string)>();
        informer.Changed += (t, p) =>
        {
            lock (events)
            {
                events.Add((t, p.Metadata.Name!));
            }
        };
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);

        await WaitAsync(() => informer.IsSynced, "synced");
        Assert.NotNull(informer.Get("ns", "p0"));
        Assert.Null(informer.Get("ns", "other"));

        await client.CreateAsync(Twa.Kubernetes.Serialization.KubernetesJson.Deserialize<V1Pod>(Pod("p1", "j").ToJsonString()));
        await WaitAsync(() => informer.Get("ns", "p1") is not null, "p1 via watch");

        api.KillAllWatches();
        await client.DeleteAsync<V1Pod>("p0", "ns");
        await WaitAsync(() => informer.Get("ns", "p0") is null, "p0 deleted after reconnect");
        Assert.True(metrics.WatchRestarts.WithLabels("pods").Value >= 1);

        // 410: history compacted while disconnected -> re-list
        api.KillAllWatches();
        await client.CreateAsync(Twa.Kubernetes.Serialization.KubernetesJson.Deserialize<V1Pod>(Pod("p2", "j").ToJsonString()));
        api.Compact();
        await WaitAsync(() => informer.Get("ns", "p2") is not null, "p2 after re-list");
        lock (events)
        {
            Assert.Contains((WatchEventType.Deleted, "p0"), events);
        }

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
