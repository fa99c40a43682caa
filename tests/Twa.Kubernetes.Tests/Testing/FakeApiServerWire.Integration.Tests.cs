using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Testing;

/// <summary>The fake server's wire protocol, checked with a plain HttpClient (what kubectl or another client would send).</summary>
public sealed class FakeApiServerWireIntegrationTests
{
    private static async Task<(HttpStatusCode Code, JsonNode? Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact(Timeout = 30000)]
    public async Task Wire_CreateListApplyYamlAndStrategicMerge_RealStatusCodesAndShapes()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var created = await SendAsync(http, HttpMethod.Post, "/api/v1/namespaces/ns/configmaps", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"1"}}""");
        var list = await SendAsync(http, HttpMethod.Get, "/api/v1/configmaps");
        var applied = await SendAsync(http, HttpMethod.Patch, "/api/v1/namespaces/ns/configmaps/from-yaml?fieldManager=kubectl",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  port: \"29500\"\n", "application/apply-patch+yaml");
        var noManager = await SendAsync(http, HttpMethod.Patch, "/api/v1/namespaces/ns/configmaps/cm", "{}", "application/apply-patch+yaml");
        var strategic = await SendAsync(http, HttpMethod.Patch, "/api/v1/namespaces/ns/configmaps/cm", "{}", "application/strategic-merge-patch+json");
        var mismatch = await SendAsync(http, HttpMethod.Post, "/api/v1/namespaces/ns/configmaps", """{"kind":"Secret","apiVersion":"v1","metadata":{"name":"x"}}""");
        var unknown = await SendAsync(http, HttpMethod.Get, "/apis/example.com/v1/namespaces/ns/widgets");

        Assert.Equal(HttpStatusCode.Created, created.Code);
        Assert.Equal("ns", created.Body!["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("ConfigMapList", list.Body!["kind"]!.GetValue<string>());
        Assert.Equal(created.Body["metadata"]!["resourceVersion"]!.GetValue<string>(), list.Body["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, applied.Code);
        Assert.Equal("29500", applied.Body!["data"]!["port"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, noManager.Code);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, strategic.Code);
        Assert.Equal("Status", strategic.Body!["kind"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Code);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Code);
        Assert.Contains(new Twa.Kubernetes.Client.KubernetesRequestCount("create", "configmaps", 400, 1), server.Requests.Snapshot());
        Assert.Contains(new Twa.Kubernetes.Client.KubernetesRequestCount("patch", "configmaps", 415, 1), server.Requests.Snapshot());
    }

    [Fact(Timeout = 30000)]
    public async Task Wire_WatchTooOldResourceVersion_200WithSingleErrorEvent()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        await SendAsync(http, HttpMethod.Post, "/api/v1/namespaces/ns/configmaps", """{"metadata":{"name":"a"}}""");
        await SendAsync(http, HttpMethod.Post, "/api/v1/namespaces/ns/configmaps", """{"metadata":{"name":"b"}}""");
        server.Compact();

        using var response = await http.GetAsync("/api/v1/namespaces/ns/configmaps?watch=true&resourceVersion=1");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ev = JsonNode.Parse(Assert.Single(lines))!;
        Assert.Equal("ERROR", ev["type"]!.GetValue<string>());
        Assert.Equal(410, ev["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", ev["object"]!["reason"]!.GetValue<string>());
    }
}
