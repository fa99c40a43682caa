using System.Net;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Client;

public sealed class ClientCrudIntegrationTests
{
    private static V1ConfigMap ConfigMap(string name, IDictionary<string, string>? labels = null, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Data = new Dictionary<string, string> { ["k"] = "v" },
    };

    [Fact(Timeout = 30000)]
    public async Task CreateGetReplaceDelete_ConfigMap_RoundTripsWithServerAssignedMetadata()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var created = await client.CreateAsync(ConfigMap("cm"));
        var fetched = await client.GetAsync<V1ConfigMap>("cm");
        fetched.Data!["k"] = "v2";
        var replaced = await client.ReplaceAsync(fetched);
        var deleted = await client.DeleteAsync<V1ConfigMap>("cm");

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal("ConfigMap", created.Kind);
        Assert.Equal(created.Metadata.Uid, fetched.Metadata.Uid);
        Assert.Equal("v2", replaced.Data!["k"]);
        Assert.True(long.Parse(replaced.Metadata.ResourceVersion!) > long.Parse(created.Metadata.ResourceVersion!));
        Assert.Null(deleted);
        Assert.Null(await client.TryGetAsync<V1ConfigMap>("cm"));
        Assert.Equal("Bearer test-token", server.LastAuthorization);
    }

    [Fact(Timeout = 30000)]
    public async Task CreateAsync_NameTaken_ThrowsAlreadyExists()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(ConfigMap("cm"));

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.CreateAsync(ConfigMap("cm")));

        Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
        Assert.True(e.IsAlreadyExists);
        Assert.False(e.IsConflict);
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_Missing_ThrowsNotFoundWithStatusMessage()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync<V1Pod>("nope"));

        Assert.True(e.IsNotFound);
        Assert.Equal("NotFound", e.Reason);
        Assert.Equal("pods \"nope\" not found", e.Status!.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task ReplaceAsync_StaleResourceVersion_ThrowsConflict()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var first = await client.CreateAsync(ConfigMap("cm"));
        var stale = await client.GetAsync<V1ConfigMap>("cm");
        first.Data!["k"] = "winner";
        await client.ReplaceAsync(first);

        stale.Data!["k"] = "loser";
        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ReplaceAsync(stale));

        Assert.True(e.IsConflict);
        Assert.Equal("winner", (await client.GetAsync<V1ConfigMap>("cm")).Data!["k"]);
    }

    [Fact(Timeout = 30000)]
    public async Task DeleteAsync_UidPreconditionOfRecreatedObject_ThrowsConflictAndKeepsObject()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var old = await client.CreateAsync(ConfigMap("cm"));
        await client.DeleteAsync<V1ConfigMap>("cm");
        var recreated = await client.CreateAsync(ConfigMap("cm"));

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            client.DeleteAsync<V1ConfigMap>("cm", options: new DeleteOptions { PreconditionUid = old.Metadata.Uid }));
        var rvMismatch = await Assert.ThrowsAsync<KubernetesApiException>(() =>
            client.DeleteAsync<V1ConfigMap>("cm", options: new DeleteOptions { PreconditionResourceVersion = old.Metadata.ResourceVersion }));
        await client.DeleteAsync<V1ConfigMap>("cm", options: new DeleteOptions { PreconditionUid = recreated.Metadata.Uid });

        Assert.True(e.IsConflict);
        Assert.Contains("Precondition failed: UID", e.Message, StringComparison.Ordinal);
        Assert.True(rvMismatch.IsConflict);
        Assert.Null(await client.TryGetAsync<V1ConfigMap>("cm"));
    }

    [Fact(Timeout = 30000)]
    public async Task DeleteAsync_WithFinalizer_MarksDeletionAndRemovesWhenFinalizerCleared()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var job = V1Alpha1TestJob.Create("j");
        job.Metadata.Finalizers = ["twa.dev/redis-cleanup"];
        await client.CreateAsync(job);

        var pending = await client.DeleteAsync<V1Alpha1TestJob>("j");
        var stillThere = await client.GetAsync<V1Alpha1TestJob>("j");
        stillThere.Metadata.Finalizers!.Add("late/finalizer");
        var addWhileDeleting = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ReplaceAsync(stillThere));
        stillThere.Metadata.Finalizers.Clear();
        await client.ReplaceAsync(stillThere);

        Assert.NotNull(pending);
        Assert.NotNull(pending!.Metadata.DeletionTimestamp);
        Assert.NotNull(stillThere.Metadata.DeletionTimestamp);
        Assert.True(addWhileDeleting.IsInvalid);
        Assert.Null(await client.TryGetAsync<V1Alpha1TestJob>("j"));
    }

    [Fact(Timeout = 30000)]
    public async Task DeleteAsync_Owner_GarbageCollectsDependentsUnlessOrphaned()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var owner = await client.CreateAsync(V1Alpha1TestJob.Create("owner"));
        var keeper = await client.CreateAsync(V1Alpha1TestJob.Create("keeper"));
        V1OwnerReference Ref(V1Alpha1TestJob o, bool controller = true) => new() { ApiVersion = "twa.dev/v1alpha1", Kind = "TwaJob", Name = o.Metadata.Name!, Uid = o.Metadata.Uid!, Controller = controller };
        await client.CreateAsync(new V1Pod { Metadata = { Name = "owned-0", Namespace = "default", OwnerReferences = [Ref(owner)] } });
        await client.CreateAsync(new V1Pod { Metadata = { Name = "two-owners", Namespace = "default", OwnerReferences = [Ref(owner), Ref(keeper, controller: false)] } });
        await client.CreateAsync(new V1ConfigMap { Metadata = { Name = "orphan-me", Namespace = "default", OwnerReferences = [Ref(keeper)] } });
        await client.CreateAsync(new V1Pod { Metadata = { Name = "unrelated", Namespace = "default" } });

        await client.DeleteAsync<V1Alpha1TestJob>("owner", options: new DeleteOptions { PropagationPolicy = "Background" });
        await client.DeleteAsync<V1Alpha1TestJob>("keeper", options: new DeleteOptions { PropagationPolicy = "Orphan" });

        var pods = (await client.ListAsync<V1Pod>("default")).Items.Select(p => p.Metadata.Name).ToList();
        Assert.Equal(["two-owners", "unrelated"], pods);
        var orphan = await client.GetAsync<V1ConfigMap>("orphan-me");
        Assert.Empty(orphan.Metadata.OwnerReferences ?? []);
    }

    [Theory(Timeout = 30000)]
    [InlineData("app=a", new[] { "a1", "a2" })]
    [InlineData("app!=a", new[] { "b1", "none" })]
    [InlineData("app in (a, b),tier=gpu", new[] { "a2", "b1" })]
    [InlineData("app notin (a)", new[] { "b1", "none" })]
    [InlineData("app", new[] { "a1", "a2", "b1" })]
    [InlineData("!app", new[] { "none" })]
    public async Task ListAsync_LabelSelector_FiltersItems(string selector, string[] expected)
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(ConfigMap("a1", new Dictionary<string, string> { ["app"] = "a" }));
        await client.CreateAsync(ConfigMap("a2", new Dictionary<string, string> { ["app"] = "a", ["tier"] = "gpu" }));
        await client.CreateAsync(ConfigMap("b1", new Dictionary<string, string> { ["app"] = "b", ["tier"] = "gpu" }));
        await client.CreateAsync(ConfigMap("none"));

        var list = await client.ListAsync<V1ConfigMap>("default", new ListOptions { LabelSelector = selector });

        Assert.Equal(expected, list.Items.Select(i => i.Metadata.Name!).ToArray());
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_LimitAndContinueAcrossNamespaces_PagesThroughAll()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        foreach (var (ns, name) in new[] { ("a", "x"), ("b", "y"), ("a", "z"), ("c", "w"), ("b", "v") })
        {
            await client.CreateAsync(ConfigMap(name, ns: ns));
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.ListAsync<V1ConfigMap>(options: new ListOptions { Limit = 2, Continue = token });
            names.AddRange(page.Items.Select(i => $"{i.Metadata.Namespace}/{i.Metadata.Name}"));
            token = page.Metadata.Continue;
            pages++;
        }
        while (token is not null);
        var byField = await client.ListAsync<V1ConfigMap>(options: new ListOptions { FieldSelector = "metadata.namespace=b,metadata.name!=v" });

        Assert.Equal(3, pages);
        Assert.Equal(["a/x", "a/z", "b/v", "b/y", "c/w"], names);
        Assert.Equal("b/y", Assert.Single(byField.Items).Metadata.Namespace + "/" + byField.Items[0].Metadata.Name);
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_InvalidLabelSelector_ThrowsBadRequestNamingTerm()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ListAsync<V1Pod>(options: new ListOptions { LabelSelector = "app in a" }));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("app in a", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task LoadYamlFile_Fixture_ObjectsVisibleWithStatusAndTypedScalars()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        server.LoadYamlFile(Path.Combine(AppContext.BaseDirectory, "Fixtures", "job-with-pods.yaml"));

        var job = await client.GetAsync<V1Alpha1TestJob>("mnist", "team-a");
        var pods = await client.ListAsync<V1Pod>("team-a", new ListOptions { LabelSelector = "twa.dev/job-name=mnist" });
        Assert.Equal(3, job.Spec.Replicas);
        Assert.Equal("Running", job.Status.Phase);
        Assert.Equal(["mnist-0", "mnist-1"], pods.Items.Select(p => p.Metadata.Name!).ToArray());
        Assert.Equal(143, pods.Items[1].Status!.ContainerStatuses![0].State!.Terminated!.ExitCode);
        Assert.Equal("\"quoted\"", (await client.GetAsync<V1ConfigMap>("mnist-spec", "team-a")).Data!["yes"]);
    }

    [Fact(Timeout = 30000)]
    public async Task DeleteAsync_GracefulPodDeletion_PodTerminatesUntilKubeletDeletesWithZeroGrace()
    {
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { GracefulPodDeletion = true });
        using var client = new KubernetesClient(server.ClientConfiguration());
        var spec = System.Text.Json.Nodes.JsonNode.Parse("""{"nodeName":"node-1","terminationGracePeriodSeconds":5}""")!.AsObject();
        await client.CreateAsync(new V1Pod { Metadata = { Name = "bound", Namespace = "default" }, Spec = spec });
        await client.CreateAsync(new V1Pod { Metadata = { Name = "unbound", Namespace = "default" } });

        var terminating = await client.DeleteAsync<V1Pod>("bound");
        var unbound = await client.DeleteAsync<V1Pod>("unbound");
        var stillThere = await client.GetAsync<V1Pod>("bound");
        await client.DeleteAsync<V1Pod>("bound", options: new DeleteOptions { GracePeriodSeconds = 0, PreconditionUid = stillThere.Metadata.Uid });

        Assert.NotNull(terminating!.Metadata.DeletionTimestamp);
        Assert.Equal(5, terminating.Metadata.DeletionGracePeriodSeconds);
        Assert.Null(unbound);
        Assert.NotNull(stillThere.Metadata.DeletionTimestamp);
        Assert.Null(await client.TryGetAsync<V1Pod>("bound"));
    }

    [Theory(Timeout = 30000)]
    [InlineData("Upper-Case", null, "metadata.name")]
    [InlineData("ok", "twa.dev/job-name=this-label-value-is-far-too-long-for-kubernetes-because-it-exceeds-63-characters", "metadata.labels")]
    [InlineData("ok", "bad key=x", "metadata.labels")]
    public async Task CreateAsync_InvalidMetadata_ThrowsInvalidNamingTheField(string name, string? label, string field)
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        var labels = label is null ? null : new Dictionary<string, string> { [label.Split('=')[0]] = label.Split('=')[1] };

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.CreateAsync(ConfigMap(name, labels)));

        Assert.True(e.IsInvalid);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task CreateAsync_ServiceNameNotDns1035_ThrowsInvalid()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.CreateAsync(new V1Service { Metadata = { Name = "1job", Namespace = "default" } }));

        Assert.True(e.IsInvalid);
        Assert.Contains("DNS-1035", e.Message, StringComparison.Ordinal);
    }
}
