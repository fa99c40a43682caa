using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Twa.Kubernetes.Configuration;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Serialization;

namespace Twa.Kubernetes.Client;

/// <summary>
/// A typed client for the Kubernetes REST API (the verbs the operator uses). The resource of <c>T</c> comes from its
/// <see cref="KubernetesEntityAttribute"/>. Item verbs take a namespace, defaulting to the configuration's namespace;
/// LIST and WATCH with a null namespace span all namespaces. Failed requests throw <see cref="KubernetesApiException"/>;
/// 429 and 5xx responses with Retry-After are retried with capped backoff (<see cref="KubernetesClientOptions"/>).
/// Thread-safe: share one instance; dispose it to close connections.
/// </summary>
public sealed partial class KubernetesClient : IDisposable
{
    private readonly KubernetesHttp _http;

    /// <param name="configuration">Server and credentials.</param>
    /// <param name="options">Retry and timeout behaviour; defaults when null.</param>
    /// <param name="handler">HTTP handler to use instead of one built from the configuration (owned and disposed by the client).</param>
    /// <param name="time">Clock for retry waits.</param>
    public KubernetesClient(KubernetesClientConfiguration configuration, KubernetesClientOptions? options = null, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        Options = options ?? new KubernetesClientOptions();
        Metrics = new KubernetesRequestMetrics();
        _http = new KubernetesHttp(configuration, Options, Metrics, handler, time ?? TimeProvider.System);
    }

    public KubernetesClientConfiguration Configuration { get; }

    public KubernetesClientOptions Options { get; }

    /// <summary>Request counts per (verb, resource, code), for export as metrics.</summary>
    public KubernetesRequestMetrics Metrics { get; }

    /// <summary>GET one object. Throws <see cref="KubernetesApiException"/> (404 when absent).</summary>
    public Task<T> GetAsync<T>(string name, string? ns = null, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = ResourceDescriptor.For<T>();
        return SendForAsync<T>(HttpMethod.Get, r.ItemPath(Ns(r, ns), name), null, null, "get", r.Plural, ct);
    }

    /// <summary>GET one object, or null when it does not exist.</summary>
    public async Task<T?> TryGetAsync<T>(string name, string? ns = null, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        try
        {
            return await GetAsync<T>(name, ns, ct).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>LIST objects in <paramref name="ns"/> (all namespaces when null). The result's <c>metadata.resourceVersion</c> is where a watch should start.</summary>
    public Task<KubernetesList<T>> ListAsync<T>(string? ns = null, ListOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = ResourceDescriptor.For<T>();
        var query = Query(
            ("labelSelector", options?.LabelSelector),
            ("fieldSelector", options?.FieldSelector),
            ("resourceVersion", options?.ResourceVersion),
            ("limit", options?.Limit?.ToString(CultureInfo.InvariantCulture)),
            ("continue", options?.Continue));
        return SendForAsync<KubernetesList<T>>(HttpMethod.Get, r.CollectionPath(ns) + query, null, null, "list", r.Plural, ct);
    }

    /// <summary>POST a new object (namespace from its metadata, else the default). 409 AlreadyExists when the name is taken.</summary>
    public Task<T> CreateAsync<T>(T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = Prepare(obj);
        return SendForAsync<T>(HttpMethod.Post, r.CollectionPath(Ns(r, obj.Metadata.Namespace)), KubernetesJson.Serialize(obj), null, "create", r.Plural, ct);
    }

    /// <summary>PUT the whole object. Send its resourceVersion to get 409 Conflict on a stale write. The server ignores .status when a status subresource exists.</summary>
    public Task<T> ReplaceAsync<T>(T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = Prepare(obj);
        return SendForAsync<T>(HttpMethod.Put, r.ItemPath(Ns(r, obj.Metadata.Namespace), Name(obj)), KubernetesJson.Serialize(obj), null, "update", r.Plural, ct);
    }

    /// <summary>PUT <c>/status</c>: only the status changes (no generation bump). 409 on a stale resourceVersion.</summary>
    public Task<T> ReplaceStatusAsync<T>(T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = Prepare(obj);
        return SendForAsync<T>(HttpMethod.Put, r.ItemPath(Ns(r, obj.Metadata.Namespace), Name(obj), "status"), KubernetesJson.Serialize(obj), null, "update", r.Plural + "/status", ct);
    }

    /// <summary>PATCH the object (merge, JSON or apply; apply creates the object when absent and needs <see cref="PatchOptions.FieldManager"/>).</summary>
    public Task<T> PatchAsync<T>(string name, string? ns, KubernetesPatch patch, PatchOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject =>
        PatchCoreAsync<T, T>(name, ns, patch, options, null, ct);

    /// <summary>PATCH <c>/status</c>: the patch is applied to the object but only its status is kept.</summary>
    public Task<T> PatchStatusAsync<T>(string name, string? ns, KubernetesPatch patch, PatchOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject =>
        PatchCoreAsync<T, T>(name, ns, patch, options, "status", ct);

    /// <summary>GET <c>/scale</c> of an object of type <typeparamref name="T"/> (a resource with a scale subresource).</summary>
    public Task<V1Scale> GetScaleAsync<T>(string name, string? ns = null, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = ResourceDescriptor.For<T>();
        return SendForAsync<V1Scale>(HttpMethod.Get, r.ItemPath(Ns(r, ns), name, "scale"), null, null, "get", r.Plural + "/scale", ct);
    }

    /// <summary>PUT <c>/scale</c>: sets the spec replicas of the scaled object (a spec change: generation bumps). Name and namespace come from the Scale's metadata.</summary>
    public Task<V1Scale> ReplaceScaleAsync<T>(V1Scale scale, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(scale);
        var r = ResourceDescriptor.For<T>();
        scale.ApiVersion ??= "autoscaling/v1";
        scale.Kind ??= "Scale";
        return SendForAsync<V1Scale>(HttpMethod.Put, r.ItemPath(Ns(r, scale.Metadata.Namespace), Name(scale), "scale"), KubernetesJson.Serialize(scale), null, "update", r.Plural + "/scale", ct);
    }

    /// <summary>PATCH <c>/scale</c> (e.g. merge patch <c>{"spec":{"replicas":3}}</c>).</summary>
    public Task<V1Scale> PatchScaleAsync<T>(string name, string? ns, KubernetesPatch patch, CancellationToken ct = default)
        where T : class, IKubernetesObject =>
        PatchCoreAsync<T, V1Scale>(name, ns, patch, null, "scale", ct);

    /// <summary>
    /// DELETE with optional preconditions (409 Conflict when the uid/resourceVersion no longer match) and propagation policy.
    /// Returns the object while finalizers still hold it (deletionTimestamp set), else null.
    /// </summary>
    public async Task<T?> DeleteAsync<T>(string name, string? ns = null, DeleteOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject
    {
        var r = ResourceDescriptor.For<T>();
        var body = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1" };
        if (options?.PreconditionUid is not null || options?.PreconditionResourceVersion is not null)
        {
            var pre = new JsonObject();
            if (options.PreconditionUid is { } uid)
            {
                pre["uid"] = uid;
            }

            if (options.PreconditionResourceVersion is { } rv)
            {
                pre["resourceVersion"] = rv;
            }

            body["preconditions"] = pre;
        }

        if (options?.PropagationPolicy is { } policy)
        {
            body["propagationPolicy"] = policy;
        }

        if (options?.GracePeriodSeconds is { } grace)
        {
            body["gracePeriodSeconds"] = grace;
        }

        var path = r.ItemPath(Ns(r, ns), name);
        var response = await _http.SendAsync(HttpMethod.Delete, path, body.ToJsonString(), null, "delete", r.Plural, stream: false, ct).ConfigureAwait(false);
        await KubernetesHttp.EnsureSuccessAsync(response, "DELETE", path, ct).ConfigureAwait(false);
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var node = JsonNode.Parse(text) as JsonObject;
            if (node?["kind"]?.GetValue<string>() == "Status" || node?["metadata"]?["deletionTimestamp"] is null)
            {
                return null;
            }

            return KubernetesJson.Deserialize<T>(text);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        Metrics.Dispose();
    }

    private async Task<TResult> PatchCoreAsync<T, TResult>(string name, string? ns, KubernetesPatch patch, PatchOptions? options, string? subresource, CancellationToken ct)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(patch);
        var r = ResourceDescriptor.For<T>();
        if (patch.Type == PatchType.Apply && string.IsNullOrEmpty(options?.FieldManager))
        {
            throw new ArgumentException("A server-side apply patch needs PatchOptions.FieldManager (e.g. \"twa-operator\").", nameof(options));
        }

        var query = Query(("fieldManager", options?.FieldManager), ("force", options?.Force == true ? "true" : null));
        var path = r.ItemPath(Ns(r, ns), name, subresource) + query;
        var resource = subresource is null ? r.Plural : $"{r.Plural}/{subresource}";
        return await SendForAsync<TResult>(HttpMethod.Patch, path, patch.Body, patch.ContentType, "patch", resource, ct).ConfigureAwait(false);
    }

    private async Task<TResult> SendForAsync<TResult>(HttpMethod method, string path, string? body, string? contentType, string verb, string resource, CancellationToken ct)
    {
        var response = await _http.SendAsync(method, path, body, contentType, verb, resource, stream: false, ct).ConfigureAwait(false);
        await KubernetesHttp.EnsureSuccessAsync(response, method.Method, path, ct).ConfigureAwait(false);
        using (response)
        {
            return KubernetesJson.Deserialize<TResult>(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }
    }

    private static ResourceDescriptor Prepare<T>(T obj)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        var r = ResourceDescriptor.For<T>();
        obj.ApiVersion ??= r.ApiVersion;
        obj.Kind ??= r.Kind;
        return r;
    }

    private static string Name(IKubernetesObject obj) =>
        obj.Metadata.Name is { Length: > 0 } name ? name : throw new ArgumentException($"{obj.Kind ?? obj.GetType().Name}.metadata.name is required for this request.", nameof(obj));

    private string? Ns(ResourceDescriptor r, string? ns) => r.Namespaced ? ns ?? Configuration.Namespace : null;

    internal static string Query(params (string Key, string? Value)[] pairs)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (value is null)
            {
                continue;
            }

            sb.Append(sb.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }

    internal static bool IsGone(HttpStatusCode code) => code == HttpStatusCode.Gone;
}
