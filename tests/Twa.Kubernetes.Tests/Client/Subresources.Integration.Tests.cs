using System.Text.Json.Nodes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Client;

public sealed class SubresourcesIntegrationTests
{
    [Fact(Timeout = 30000)]
    public async Task CreateAsync_CustomResourceWithStatus_StatusDroppedGenerationOne()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = V1Alpha1TestJob.Create("j");
        job.Status.Phase = "Succeeded";

        var created = await client.CreateAsync(job);

        Assert.Equal(1, created.Metadata.Generation);
        Assert.Null(created.Status.Phase);
    }

    [Fact(Timeout = 30000)]
    public async Task ReplaceAsync_MetadataOrStatusOnly_NoGenerationBumpAndStatusIgnored()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = await client.CreateAsync(V1Alpha1TestJob.Create("j"));

        job.Metadata.Labels = new Dictionary<string, string> { ["team"] = "a" };
        job.Status.Phase = "Hacked";
        var updated = await client.ReplaceAsync(job);
        updated.Spec.Replicas = 4;
        var specChanged = await client.ReplaceAsync(updated);

        Assert.Equal(1, updated.Metadata.Generation);
        Assert.Equal("a", updated.Metadata.Labels!["team"]);
        Assert.Null(updated.Status.Phase);
        Assert.Equal(2, specChanged.Metadata.Generation);
    }

    [Fact(Timeout = 30000)]
    public async Task ReplaceStatusAsync_SpecChangeInBody_OnlyStatusChangesNoGenerationBump()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = await client.CreateAsync(V1Alpha1TestJob.Create("j", replicas: 2));

        job.Spec.Replicas = 9;
        job.Metadata.Labels = new Dictionary<string, string> { ["sneaky"] = "yes" };
        job.Status.Phase = "Running";
        job.Status.Conditions = [new V1Condition { Type = "Running", Status = "True", Reason = "PodsReady", ObservedGeneration = 1, LastTransitionTime = DateTimeOffset.UtcNow }];
        var written = await client.ReplaceStatusAsync(job);
        var stale = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ReplaceStatusAsync(job));

        Assert.Equal("Running", written.Status.Phase);
        Assert.Equal("PodsReady", written.Status.Conditions![0].Reason);
        Assert.Equal(2, written.Spec.Replicas);
        Assert.Null(written.Metadata.Labels);
        Assert.Equal(1, written.Metadata.Generation);
        Assert.True(stale.IsConflict);
    }

    [Fact(Timeout = 30000)]
    public async Task ReplaceStatusAsync_Unchanged_KeepsResourceVersion()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = await client.CreateAsync(V1Alpha1TestJob.Create("j"));
        job.Status.Phase = "Running";
        var first = await client.ReplaceStatusAsync(job);

        var again = await client.ReplaceStatusAsync(first);

        Assert.Equal(first.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
    }

    [Fact(Timeout = 30000)]
    public async Task Scale_GetReplacePatch_MapsSpecAndStatusPathsAndBumpsGeneration()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = await client.CreateAsync(V1Alpha1TestJob.Create("j", replicas: 2));
        job.Status.Replicas = 2;
        job.Status.Selector = "twa.dev/job-name=j";
        await client.ReplaceStatusAsync(job);

        var scale = await client.GetScaleAsync<V1Alpha1TestJob>("j");
        var initialReplicas = scale.Spec.Replicas;
        scale.Spec.Replicas = 3;
        var scaledUp = await client.ReplaceScaleAsync<V1Alpha1TestJob>(scale);
        var scaledDown = await client.PatchScaleAsync<V1Alpha1TestJob>("j", null, KubernetesPatch.Merge(JsonNode.Parse("""{"spec":{"replicas":1}}""")!));
        var staleScale = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ReplaceScaleAsync<V1Alpha1TestJob>(scale));
        var after = await client.GetAsync<V1Alpha1TestJob>("j");

        Assert.Equal("autoscaling/v1", scale.ApiVersion);
        Assert.Equal(2, initialReplicas);
        Assert.Equal(2, scale.Status.Replicas);
        Assert.Equal("twa.dev/job-name=j", scale.Status.Selector);
        Assert.Equal(3, scaledUp.Spec.Replicas);
        Assert.Equal(1, scaledDown.Spec.Replicas);
        Assert.True(staleScale.IsConflict);
        Assert.Equal(1, after.Spec.Replicas);
        Assert.Equal(3, after.Metadata.Generation);
        Assert.Equal(2, after.Status.Replicas);
    }

    [Fact(Timeout = 30000)]
    public async Task GetScaleAsync_SpecReplicasMissing_Fails()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration(), new KubernetesClientOptions { MaxAttempts = 1 });
        var job = V1Alpha1TestJob.Create("j");
        job.Spec.Replicas = null;
        await client.CreateAsync(job);

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetScaleAsync<V1Alpha1TestJob>("j"));

        Assert.Equal(500, (int)e.StatusCode);
        Assert.Contains(".spec.replicas", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task GetScaleAsync_ResourceWithoutScale_NotFound()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(new V1Pod { Metadata = { Name = "p", Namespace = "default" } });

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetScaleAsync<V1Pod>("p"));

        Assert.True(e.IsNotFound);
    }

    [Fact(Timeout = 30000)]
    public async Task ReplaceStatusAsync_Pod_KubeletStyleStatusWriteVisibleToReaders()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var pod = await client.CreateAsync(new V1Pod { Metadata = { Name = "p", Namespace = "default" }, Spec = JsonNode.Parse("""{"containers":[{"name":"c","image":"i"}]}""")!.AsObject() });

        pod.Status = new V1PodStatus
        {
            Phase = "Succeeded",
            ContainerStatuses = [new V1ContainerStatus { Name = "c", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Message = "{\"accuracy\":0.91}" } } }],
        };
        await client.ReplaceStatusAsync(pod);
        var read = await client.GetAsync<V1Pod>("p");

        Assert.Equal("Succeeded", read.Status!.Phase);
        Assert.Equal("{\"accuracy\":0.91}", read.Status.ContainerStatuses![0].State!.Terminated!.Message);
        Assert.Equal("i", read.Spec!["containers"]![0]!["image"]!.GetValue<string>());
    }
}
