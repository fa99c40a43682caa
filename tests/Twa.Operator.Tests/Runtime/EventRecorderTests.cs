using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;
using Twa.Operator.Reconcile;
using Twa.Operator.Runtime;

namespace Twa.Operator.Tests.Runtime;

public sealed class EventRecorderTests
{
    [Fact(Timeout = 30_000)]
    public async Task RecordAsync_SameEventTwice_OneEventWithCountTwoAndADifferentMessageIsAnother()
    {
        await using var api = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(api.ClientConfiguration());
        var recorder = new EventRecorder(client, "op-a");
        var job = new ObservedTwaJob { Job = Twa.Operator.Tests.Reconcile.Jobs.Elastic() };
        var failed = new JobEvent(EventType.Warning, "MemberFailed", "pod demo-worker-1 failed");

        await recorder.RecordAsync(job, failed, CancellationToken.None);
        await recorder.RecordAsync(job, failed, CancellationToken.None);
        await recorder.RecordAsync(job, failed with { Message = "pod demo-worker-2 failed" }, CancellationToken.None);

        var events = api.List(new Twa.Kubernetes.ResourceDescriptor("", "v1", "events", "Event"), "ml")
            .Select(e => Twa.Kubernetes.Serialization.KubernetesJson.Deserialize<V1Event>(e.ToJsonString())).ToList();
        Assert.Equal(2, events.Count);
        var first = events.Single(e => e.Message == "pod demo-worker-1 failed");
        Assert.Equal(2, first.Count);
        Assert.Equal("Warning", first.Type);
        Assert.Equal("TwaJob", first.InvolvedObject.Kind);
        Assert.Equal("demo", first.InvolvedObject.Name);
        Assert.Equal(EventRecorder.EventName("demo", job.Uid, failed), first.Metadata.Name);
    }
}
