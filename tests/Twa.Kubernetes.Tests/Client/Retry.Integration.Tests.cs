using System.Diagnostics;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Client;

public sealed class RetryIntegrationTests
{
    [Fact(Timeout = 30000)]
    public async Task GetAsync_429WithRetryAfter_WaitsAndRetries()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        await client.CreateAsync(new V1ConfigMap { Metadata = { Name = "cm", Namespace = "default" } });
        server.InjectFailures(1, 429, verb: "get", resource: "configmaps", retryAfter: TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var cm = await client.GetAsync<V1ConfigMap>("cm");

        Assert.Equal("cm", cm.Metadata.Name);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {clock.Elapsed}");
        Assert.Contains(new KubernetesRequestCount("get", "configmaps", 429, 1), client.Metrics.Snapshot());
        Assert.Contains(new KubernetesRequestCount("get", "configmaps", 200, 1), client.Metrics.Snapshot());
        Assert.Equal(2, server.Requests.Total("get", "configmaps"));
    }

    [Fact(Timeout = 30000)]
    public async Task CreateAsync_503WithRetryAfter_Retried()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        server.InjectFailures(2, 503, verb: "create", retryAfter: TimeSpan.Zero);

        var pod = await client.CreateAsync(new V1Pod { Metadata = { Name = "p", Namespace = "default" } });

        Assert.NotNull(pod.Metadata.Uid);
        Assert.Equal(3, client.Metrics.Total("create", "pods"));
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_500WithoutRetryAfter_ThrowsWithoutRetry()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration());
        server.InjectFailures(1, 500);

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetAsync<V1Pod>("p"));

        Assert.Equal(500, (int)e.StatusCode);
        Assert.Equal(1, client.Metrics.Total("get", "pods"));
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_PersistentThrottling_GivesUpAfterMaxAttempts()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration(), new KubernetesClientOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(10) });
        server.InjectFailures(100, 429, verb: "list");

        var e = await Assert.ThrowsAsync<KubernetesApiException>(() => client.ListAsync<V1Pod>());

        Assert.True(e.IsTooManyRequests);
        Assert.Equal(3, server.Requests.Total("list", "pods"));
    }

    [Fact(Timeout = 30000)]
    public async Task GetAsync_ServerSlowerThanRequestTimeout_ThrowsTimeoutAndCountsNoResponse()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(server.ClientConfiguration(), new KubernetesClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        server.InjectDelay(1, TimeSpan.FromSeconds(5), verb: "get");
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<TimeoutException>(() => client.GetAsync<V1Pod>("p"));

        // Well under the server's 5 s delay, with room for a loaded machine: without the request timeout the call
        // would take the full 5 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"gave up after {clock.Elapsed}");
        Assert.Contains("GET", e.Message, StringComparison.Ordinal);
        Assert.Contains(new KubernetesRequestCount("get", "pods", 0, 1), client.Metrics.Snapshot());
    }

    [Fact(Timeout = 30000)]
    public async Task Requests_InClusterTokenRotated_ServerSeesNewToken()
    {
        await using var server = await FakeApiServer.StartAsync();
        var dir = Directory.CreateTempSubdirectory("twa-sa-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "token"), "first");
            var clock = new ManualTimeProvider();
            var inCluster = Twa.Kubernetes.Configuration.KubernetesClientConfiguration.InCluster(
                dir, n => n switch { "KUBERNETES_SERVICE_HOST" => "127.0.0.1", "KUBERNETES_SERVICE_PORT" => "443", _ => null }, TimeSpan.FromMinutes(1), clock);
            var config = new Twa.Kubernetes.Configuration.KubernetesClientConfiguration { Server = server.BaseAddress, Token = inCluster.Token, Namespace = inCluster.Namespace };
            using var client = new KubernetesClient(config);

            await client.ListAsync<V1Pod>();
            var before = server.LastAuthorization;
            File.WriteAllText(Path.Combine(dir, "token"), "second");
            clock.Advance(TimeSpan.FromMinutes(2));
            await client.ListAsync<V1Pod>();

            Assert.Equal("Bearer first", before);
            Assert.Equal("Bearer second", server.LastAuthorization);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
