using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Twa.Operator.Tests.Support;

/// <summary>
/// Answers the API discovery requests kubectl makes before a client-side dry run (<c>/api</c>, <c>/apis</c> and
/// one resource list per group version), over real HTTP on a loopback port; everything else is a 404 Status.
/// Serves apiextensions.k8s.io/v1 (CRDs) and the resources of the given CRD, so kubectl can map both kinds
/// without a cluster. Records every request line. Disposing stops it.
/// </summary>
internal sealed class DiscoveryStub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, JsonObject> _routes = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public DiscoveryStub(JsonObject crd)
    {
        Port = FreePort();
        Url = $"http://127.0.0.1:{Port}";
        var group = (string)crd["spec"]!["group"]!;
        var version = (string)crd["spec"]!["versions"]![0]!["name"]!;
        var names = crd["spec"]!["names"]!;
        var plural = (string)names["plural"]!;
        _routes["/api"] = new JsonObject
        {
            ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = $"127.0.0.1:{Port}" }),
        };
        _routes["/apis"] = new JsonObject
        {
            ["kind"] = "APIGroupList", ["apiVersion"] = "v1",
            ["groups"] = new JsonArray(Group("apiextensions.k8s.io", "v1"), Group(group, version)),
        };
        _routes["/api/v1"] = ResourceList("v1");
        var crds = ResourceList("apiextensions.k8s.io/v1");
        crds["resources"]!.AsArray().Add(Resource("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", namespaced: false));
        _routes["/apis/apiextensions.k8s.io/v1"] = crds;
        var own = ResourceList($"{group}/{version}");
        var resource = Resource(plural, (string)names["singular"]!, (string)names["kind"]!, namespaced: true);
        resource["shortNames"] = names["shortNames"]!.DeepClone();
        resource["categories"] = names["categories"]!.DeepClone();
        own["resources"]!.AsArray().Add(resource);
        own["resources"]!.AsArray().Add(Resource(plural + "/status", "", (string)names["kind"]!, namespaced: true));
        own["resources"]!.AsArray().Add(Resource(plural + "/scale", "", "Scale", namespaced: true));
        _routes[$"/apis/{group}/{version}"] = own;

        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>A kubeconfig pointing at this stub (written to <paramref name="dir"/>).</summary>
    public string WriteKubeconfig(string dir)
    {
        var path = Path.Combine(dir, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters: [{"{"}name: stub, cluster: {"{"}server: "{Url}"{"}"}{"}"}]
            users: [{"{"}name: stub, user: {"{"}token: stub{"}"}{"}"}]
            contexts: [{"{"}name: stub, context: {"{"}cluster: stub, user: stub, namespace: default{"}"}{"}"}]
            current-context: stub
            """);
        return path;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with an exception when the listener closes.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            Requests.Enqueue($"{context.Request.HttpMethod} {path}");
            var found = context.Request.HttpMethod == "GET" && _routes.TryGetValue(path, out var body);
            var json = found ? _routes[path] : new JsonObject
            {
                ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404,
                ["message"] = $"the discovery stub does not serve {context.Request.HttpMethod} {path}",
            };
            var bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
            context.Response.StatusCode = found ? 200 : 404;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    private static JsonObject Group(string name, string version)
    {
        var gv = new JsonObject { ["groupVersion"] = $"{name}/{version}", ["version"] = version };
        return new JsonObject { ["name"] = name, ["versions"] = new JsonArray(gv), ["preferredVersion"] = gv.DeepClone() };
    }

    private static JsonObject ResourceList(string groupVersion) =>
        new() { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = new JsonArray() };

    private static JsonObject Resource(string name, string singular, string kind, bool namespaced) => new()
    {
        ["name"] = name, ["singularName"] = singular, ["namespaced"] = namespaced, ["kind"] = kind,
        ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
    };

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
