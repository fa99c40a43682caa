using System.Text.Json.Nodes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Client;

public sealed class PatchIntegrationTests
{
    [Fact(Timeout = 30000)]
    public async Task PatchAsync_MergePatch_MergesAndNullDeletes()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = V1Alpha1TestJob.Create("j");
        job.Metadata.Labels = new Dictionary<string, string> { ["keep"] = "1", ["drop"] = "2" };
        await client.CreateAsync(job);

        var patched = await client.PatchAsync<V1Alpha1TestJob>("j", null, KubernetesPatch.Merge(JsonNode.Parse("""
            {"metadata":{"labels":{"drop":null,"new":"3"},"finalizers":["twa.dev/redis-cleanup"]},"spec":{"replicas":5}}
            """)!));

        Assert.Equal(new Dictionary<string, string> { ["keep"] = "1", ["new"] = "3" }, patched.Metadata.Labels);
        Assert.Equal(["twa.dev/redis-cleanup"], patched.Metadata.Finalizers!);
        Assert.Equal(5, patched.Spec.Replicas);
        Assert.Equal("twa:1", patched.Spec.Image);
        Assert.Equal(2, patched.Metadata.Generation);
    }

    [Fact(Timeout = 30000)]
    public async Task PatchAsync_MergePatchWithStaleResourceVersion_ThrowsConflict()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var created = await client.CreateAsync(V1Alpha1TestJob.Create("j"));
        await client.PatchAsync<V1Alpha1TestJob>("j", null, KubernetesPatch.Merge(JsonNode.Parse("""{"metadata":{"labels":{"a":"b"}}}""")!));

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.PatchAsync<V1Alpha1TestJob>("j", null,
            KubernetesPatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = created.Metadata.ResourceVersion, ["finalizers"] = new JsonArray("x") } })));

        Assert.True(e.IsConflict);
    }

    [Fact(Timeout = 30000)]
    public async Task PatchAsync_JsonPatch_AddReplaceRemoveAndFailedTest()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = V1Alpha1TestJob.Create("j");
        job.Metadata.Finalizers = ["a", "b"];
        await client.CreateAsync(job);

        var patched = await client.PatchAsync<V1Alpha1TestJob>("j", null, KubernetesPatch.Json(JsonNode.Parse("""
            [{"op":"test","path":"/spec/replicas","value":2},
             {"op":"replace","path":"/spec/replicas","value":3},
             {"op":"add","path":"/metadata/labels","value":{"team":"y"}},
             {"op":"add","path":"/metadata/labels/twa.dev~1job-name","value":"j"},
             {"op":"remove","path":"/metadata/finalizers/0"}]
            """)!.AsArray()));
        var failedTest = await Assert.ThrowsAsync<KubernetesApiException>(() => client.PatchAsync<V1Alpha1TestJob>("j", null,
            KubernetesPatch.Json(JsonNode.Parse("""[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":7}]""")!.AsArray())));

        Assert.Equal(3, patched.Spec.Replicas);
        Assert.Equal("j", patched.Metadata.Labels!["twa.dev/job-name"]);
        Assert.Equal("y", patched.Metadata.Labels["team"]);
        Assert.Equal(["b"], patched.Metadata.Finalizers!);
        Assert.True(failedTest.IsInvalid);
        Assert.Equal(3, (await client.GetAsync<V1Alpha1TestJob>("j")).Spec.Replicas);
    }

    [Fact(Timeout = 30000)]
    public async Task PatchAsync_Apply_CreatesThenMergesIntent()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var apply = new PatchOptions("twa-operator", Force: true);
        var intent = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = { Name = "j", Namespace = "default", Labels = new Dictionary<string, string> { ["twa.dev/job-name"] = "j" } },
            Spec = JsonNode.Parse("""{"clusterIP":"None","publishNotReadyAddresses":true,"selector":{"twa.dev/job-name":"j"}}""")!.AsObject(),
        };

        var created = await client.PatchAsync<V1Service>("j", "default", KubernetesPatch.Apply(intent), apply);
        intent.Spec["ports"] = JsonNode.Parse("""[{"name":"store","port":29500}]""");
        var updated = await client.PatchAsync<V1Service>("j", "default", KubernetesPatch.Apply(intent), apply);
        var again = await client.PatchAsync<V1Service>("j", "default", KubernetesPatch.Apply(intent), apply);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal(created.Metadata.Uid, updated.Metadata.Uid);
        Assert.Equal(29500, updated.Spec!["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Equal(updated.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
        await Assert.ThrowsAsync<ArgumentException>(() => client.PatchAsync<V1Service>("j", "default", KubernetesPatch.Apply(intent)));
    }

    [Fact(Timeout = 30000)]
    public async Task PatchAsync_MissingObject_NotFound()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            client.PatchAsync<V1ConfigMap>("absent", null, KubernetesPatch.Merge(JsonNode.Parse("{}")!)));

        Assert.True(e.IsNotFound);
    }

    [Fact(Timeout = 30000)]
    public async Task PatchStatusAsync_MergePatch_ChangesOnlyStatus()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(V1Alpha1TestJob.Create("j", replicas: 2));

        var patched = await client.PatchStatusAsync<V1Alpha1TestJob>("j", null,
            KubernetesPatch.Merge(JsonNode.Parse("""{"spec":{"replicas":8},"status":{"phase":"Suspended"}}""")!));

        Assert.Equal("Suspended", patched.Status.Phase);
        Assert.Equal(2, patched.Spec.Replicas);
        Assert.Equal(1, patched.Metadata.Generation);
    }
}
