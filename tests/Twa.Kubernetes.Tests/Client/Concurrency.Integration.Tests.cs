using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Client;

public sealed class ConcurrencyIntegrationTests
{
    [Fact(Timeout = 30000)]
    public async Task ReplaceAsync_ConcurrentWritersFromOneVersion_ExactlyOneWins()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(new V1ConfigMap { Metadata = { Name = "counter", Namespace = "default" }, Data = new Dictionary<string, string> { ["n"] = "0" } });
        var snapshots = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetAsync<V1ConfigMap>("counter")));

        var outcomes = await Task.WhenAll(snapshots.Select(async (cm, i) =>
        {
            cm.Data!["n"] = $"{i + 1}";
            try
            {
                await client.ReplaceAsync(cm);
                return "ok";
            }
            catch (KubernetesApiException e) when (e.IsConflict)
            {
                return "conflict";
            }
        }));

        Assert.Equal(1, outcomes.Count(o => o == "ok"));
        Assert.Equal(9, outcomes.Count(o => o == "conflict"));
    }

    [Fact(Timeout = 30000)]
    public async Task CreateAsync_SecretWithStringData_ServerFoldsIntoData()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        await client.CreateAsync(new V1Secret { Metadata = { Name = "redis", Namespace = "default" }, StringData = new Dictionary<string, string> { ["password"] = "pw" } });
        var secret = await client.GetAsync<V1Secret>("redis");

        Assert.Equal("pw"u8.ToArray(), secret.Data!["password"]);
        Assert.Null(secret.StringData);
    }

    [Fact(Timeout = 30000)]
    public async Task CreateAsync_GenerateName_ServerCompletesUniqueName()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());

        var a = await client.CreateAsync(new V1Event { Metadata = { GenerateName = "job.", Namespace = "default" }, Reason = "Scaled", InvolvedObject = { Kind = "TwaJob", Name = "job" } });
        var b = await client.CreateAsync(new V1Event { Metadata = { GenerateName = "job.", Namespace = "default" }, Reason = "Scaled", InvolvedObject = { Kind = "TwaJob", Name = "job" } });

        Assert.StartsWith("job.", a.Metadata.Name, StringComparison.Ordinal);
        Assert.NotEqual(a.Metadata.Name, b.Metadata.Name);
        Assert.Equal("TwaJob", b.InvolvedObject.Kind);
    }
}
