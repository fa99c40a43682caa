using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Configuration;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// An in-process Kubernetes API server for tests: real HTTP (Kestrel on 127.0.0.1, a free port) speaking the REST and
/// watch protocol for core/v1 pods, services, configmaps, secrets, events, coordination.k8s.io/v1 leases and any
/// registered custom resource. Implements uid/resourceVersion/generation, status and scale subresources, optimistic
/// concurrency (409), merge/JSON/apply patches (apply approximated, see <see cref="ObjectStore"/>), finalizers,
/// owner-reference garbage collection, label/field selectors, paging, and watches with bookmarks, timeouts, resume
/// and 410 Gone. Hooks inject failures, count requests and kill watches. Not implemented: authentication and
/// authorization (any token is accepted), admission and schema validation (only metadata is validated; no CEL or defaults), strategic merge patch,
/// field ownership of server-side apply, and namespaces as objects. Thread-safe; dispose to stop.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    /// <summary>The TwaJob custom resource as the operator's CRD declares it (status and scale subresources).</summary>
    public static readonly ResourceDescriptor TwaJobs = new("twa.dev", "v1alpha1", "twajobs", "TwaJob");

    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly ApiRouter _router;
    private string? _lastAuthorization;
    private string? _lastClientCertificate;

    private FakeApiServer(WebApplication app, ObjectStore store, ApiRouter router, Uri baseAddress, KubernetesRequestMetrics requests)
    {
        Requests = requests;
        _app = app;
        _store = store;
        _router = router;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Requests served, by (verb, resource incl. subresource, HTTP code); watches count once when opened.</summary>
    public KubernetesRequestMetrics Requests { get; }

    /// <summary>The Authorization header of the most recent request, if any.</summary>
    public string? LastAuthorization => Volatile.Read(ref _lastAuthorization);

    /// <summary>The subject of the client certificate of the most recent HTTPS request that sent one.</summary>
    public string? LastClientCertificateSubject => Volatile.Read(ref _lastClientCertificate);

    /// <summary>The current (global) resourceVersion.</summary>
    public long ResourceVersion => _store.Revision;

    /// <summary>Open watch streams.</summary>
    public int WatchCount
    {
        get
        {
            lock (_store.Gate)
            {
                return _store.Watches.WatchCount;
            }
        }
    }

    /// <summary>Starts a server with the built-in resources and the TwaJob custom resource registered.</summary>
    public static async Task<FakeApiServer> StartAsync(FakeApiServerOptions? options = null, CancellationToken ct = default)
    {
        options ??= new FakeApiServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2)); // dispose stays quick even with hung requests
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (options.ServerCertificate is { } certificate)
            {
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                });
            }
        }));
        var app = builder.Build();
        var store = new ObjectStore(options);
        FakeApiServer? server = null;
        var requests = new KubernetesRequestMetrics();
        var router = new ApiRouter(store, options, requests, request => server?.Observe(request));
        app.Run(router.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeApiServer(app, store, router, new Uri(address), requests);
        foreach (var (descriptor, resourceOptions) in BuiltIns)
        {
            server.Register(descriptor, resourceOptions);
        }

        server.Register(TwaJobs, new FakeResourceOptions
        {
            StatusSubresource = true,
            Scale = new ScaleSubresource(".spec.replicas", ".status.replicas", ".status.selector"),
        });
        return server;
    }

    /// <summary>A client configuration pointing at this server (plain HTTP, the given token if any).</summary>
    public KubernetesClientConfiguration ClientConfiguration(string? token = "test-token", string? ns = "default") => new()
    {
        Server = BaseAddress,
        Token = token is null ? null : new StaticTokenSource(token),
        Namespace = ns,
    };

    /// <summary>Registers (or re-registers, emptying it) a resource, e.g. a custom resource definition.</summary>
    public void Register(ResourceDescriptor resource, FakeResourceOptions options) => _store.Register(resource, options);

    /// <summary>Answers the next <paramref name="count"/> requests matching verb/resource (null = any) with <paramref name="statusCode"/>.</summary>
    /// <param name="count">How many requests fail.</param>
    /// <param name="statusCode">E.g. 429 or 500.</param>
    /// <param name="verb">get, list, watch, create, update, patch, delete; null = any.</param>
    /// <param name="resource">Plural, with <c>/status</c> or <c>/scale</c> for subresources; null = any.</param>
    /// <param name="retryAfter">Sent as the Retry-After header (whole seconds, rounded up).</param>
    public void InjectFailures(int count, int statusCode, string? verb = null, string? resource = null, TimeSpan? retryAfter = null) =>
        _router.AddFault(new FaultRule(verb, resource, statusCode, retryAfter, count));

    /// <summary>Delays the next <paramref name="count"/> requests matching verb/resource (null = any) by <paramref name="delay"/>, then serves them normally (a slow or hung API server).</summary>
    public void InjectDelay(int count, TimeSpan delay, string? verb = null, string? resource = null) =>
        _router.AddFault(new FaultRule(verb, resource, 0, null, count, delay));

    /// <summary>Drops all retained history: a watch from any earlier resourceVersion now gets 410 Gone.</summary>
    public void Compact() => _store.Compact();

    /// <summary>Breaks every open watch connection (as an API server restart would).</summary>
    public void KillAllWatches()
    {
        lock (_store.Gate)
        {
            _store.Watches.KillAll();
        }
    }

    /// <summary>The stored object (a copy), or null.</summary>
    public JsonObject? Get(ResourceDescriptor resource, string? ns, string name) => _store.TryGet(Resolve(resource), ns, name);

    /// <summary>The stored objects (copies) of a resource, in one namespace or all.</summary>
    public IReadOnlyList<JsonObject> List(ResourceDescriptor resource, string? ns = null) =>
        [.. (_store.List(Resolve(resource), ns, LabelSelector.Everything, FieldSelector.Everything, null, null)["items"] as JsonArray)!.Cast<JsonObject>()];

    /// <summary>Creates an object as a POST would, but keeping a given status (test setup).</summary>
    public JsonObject Seed(ResourceDescriptor resource, JsonObject obj) =>
        _store.Create(Resolve(resource), JsonTree.MetaStr(obj, "namespace"), obj, keepStatus: true);

    /// <summary>Loads every document of a (multi-document) YAML fixture; each needs apiVersion and kind of a registered resource. Returns the stored objects.</summary>
    /// <exception cref="ArgumentException">A document names an unregistered kind or is not an object.</exception>
    public IReadOnlyList<JsonObject> LoadYaml(string yaml)
    {
        var result = new List<JsonObject>();
        var index = 0;
        foreach (var doc in YamlJson.ParseDocuments(yaml))
        {
            index++;
            if (doc is not JsonObject obj || JsonTree.Str(obj, "apiVersion") is not { } apiVersion || JsonTree.Str(obj, "kind") is not { } kind)
            {
                throw new ArgumentException($"YAML document {index} is not an object with apiVersion and kind.", nameof(yaml));
            }

            var r = _store.ResolveKind(apiVersion, kind)
                ?? throw new ArgumentException($"YAML document {index}: {apiVersion}/{kind} is not registered with the fake server; call Register first.", nameof(yaml));
            result.Add(_store.Create(r, JsonTree.MetaStr(obj, "namespace"), obj, keepStatus: true));
        }

        return result;
    }

    /// <summary>Loads a YAML fixture file (see <see cref="LoadYaml"/>).</summary>
    public IReadOnlyList<JsonObject> LoadYamlFile(string path) => LoadYaml(File.ReadAllText(path));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        KillAllWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Requests.Dispose();
    }

    private static readonly (ResourceDescriptor, FakeResourceOptions)[] BuiltIns =
    [
        (new("", "v1", "pods", "Pod"), new() { StatusSubresource = true }),
        (new("", "v1", "services", "Service"), new() { StatusSubresource = true }),
        (new("", "v1", "configmaps", "ConfigMap"), new()),
        (new("", "v1", "secrets", "Secret"), new()),
        (new("", "v1", "events", "Event"), new()),
        (new("coordination.k8s.io", "v1", "leases", "Lease"), new()),
    ];

    private StoredResource Resolve(ResourceDescriptor resource) =>
        _store.Resolve(resource.Group, resource.Version, resource.Plural)
        ?? throw new ArgumentException($"{resource} is not registered with the fake server.", nameof(resource));

    private void Observe(HttpRequest request)
    {
        Volatile.Write(ref _lastAuthorization, request.Headers.Authorization.Count > 0 ? request.Headers.Authorization[0] : null);
        if (request.HttpContext.Connection.ClientCertificate is { } certificate)
        {
            Volatile.Write(ref _lastClientCertificate, certificate.Subject);
        }
    }
}
