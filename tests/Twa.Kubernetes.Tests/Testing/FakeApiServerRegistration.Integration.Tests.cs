using System.Text.Json.Nodes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Testing;

[KubernetesEntity(Group = "example.twa.dev", ApiVersion = "v1", Kind = "Quota", PluralName = "quotas", Namespaced = false)]
public sealed class V1TestQuota : CustomResource<TestQuotaSpec, TestQuotaStatus>;

public sealed class TestQuotaSpec
{
    public int Gpus { get; set; }
}

public sealed class TestQuotaStatus
{
    public int Used { get; set; }
}

public sealed class FakeApiServerRegistrationIntegrationTests
{
    [Fact(Timeout = 30000)]
    public async Task Register_ClusterScopedWithoutStatusSubresource_CrudAndStatusIsOrdinaryField()
    {
        await using var server = await FakeApiServer.StartAsync();
        server.Register(ResourceDescriptor.For<V1TestQuota>(), new FakeResourceOptions());
        using var client = new KubernetesClient(server.ClientConfiguration());

        var created = await client.CreateAsync(new V1TestQuota { Metadata = { Name = "cluster" }, Spec = { Gpus = 8 }, Status = { Used = 3 } });
        created.Status.Used = 4;
        var replaced = await client.ReplaceAsync(created);
        var statusWrite = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ReplaceStatusAsync(replaced));
        var listed = await client.ListAsync<V1TestQuota>();

        Assert.Null(created.Metadata.Namespace);
        Assert.Equal(4, replaced.Status.Used);
        Assert.Equal(2, replaced.Metadata.Generation); // without a status subresource, status is an ordinary field and bumps the generation
        Assert.True(statusWrite.IsNotFound);
        Assert.Equal("cluster", Assert.Single(listed.Items).Metadata.Name);
        Assert.Equal(8, server.Get(ResourceDescriptor.For<V1TestQuota>(), null, "cluster")!["spec"]!["gpus"]!.GetValue<int>());
    }

    [Fact(Timeout = 30000)]
    public async Task Seed_ObjectWithStatus_KeepsStatusAndAssignsMetadata()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var seeded = server.Seed(FakeApiServer.TwaJobs, JsonNode.Parse("""
            {"apiVersion":"twa.dev/v1alpha1","kind":"TwaJob","metadata":{"name":"j","namespace":"n"},"spec":{"replicas":2},"status":{"phase":"Running","replicas":2}}
            """)!.AsObject());
        var job = await client.GetAsync<V1Alpha1TestJob>("j", "n");

        Assert.Equal("Running", job.Status.Phase);
        Assert.Equal(seeded["metadata"]!["uid"]!.GetValue<string>(), job.Metadata.Uid);
        Assert.Equal(1, job.Metadata.Generation);
        Assert.Single(server.List(FakeApiServer.TwaJobs, "n"));
        Assert.Empty(server.List(FakeApiServer.TwaJobs, "other"));
    }

    [Fact(Timeout = 30000)]
    public async Task LoadYaml_UnregisteredKind_ThrowsNamingDocument()
    {
        await using var server = await FakeApiServer.StartAsync();

        var e = Assert.Throws<ArgumentException>(() => server.LoadYaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: n}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"));

        Assert.Contains("YAML document 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("apps/v1/Deployment", e.Message, StringComparison.Ordinal);
    }
}
