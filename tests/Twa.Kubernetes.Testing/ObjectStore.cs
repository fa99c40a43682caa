using System.Globalization;
using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// The fake server's storage and write semantics: uid/resourceVersion (one global counter)/creationTimestamp,
/// generation bumps on spec changes only, status isolation, optimistic concurrency, finalizers and
/// owner-reference garbage collection. Thread-safe: one lock guards objects, history and watchers.
/// </summary>
internal sealed partial class ObjectStore(FakeApiServerOptions serverOptions)
{
    private static readonly string[] SystemMetadata = ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "name", "namespace"];
    private readonly Dictionary<(string Group, string Version, string Plural), StoredResource> _resources = [];
    // Like etcd, revisions start above 0: "0" means "any version" to a watch, so a LIST must never return it.
    private long _revision = 1;

    public Lock Gate { get; } = new();

    public WatchHub Watches { get; } = new(serverOptions.HistoryLimit);

    public long Revision
    {
        get
        {
            lock (Gate)
            {
                return _revision;
            }
        }
    }

    public void Register(ResourceDescriptor descriptor, FakeResourceOptions options)
    {
        lock (Gate)
        {
            _resources[(descriptor.Group, descriptor.Version, descriptor.Plural)] = new StoredResource(descriptor, options);
        }
    }

    public StoredResource? Resolve(string group, string version, string plural)
    {
        lock (Gate)
        {
            return _resources.GetValueOrDefault((group, version, plural));
        }
    }

    /// <summary>The registered resources' descriptors and options (discovery).</summary>
    public IReadOnlyList<(ResourceDescriptor Descriptor, FakeResourceOptions Options)> Registered()
    {
        lock (Gate)
        {
            return [.. _resources.Values.Select(r => (r.Descriptor, r.Options))];
        }
    }

    public StoredResource? ResolveKind(string apiVersion, string kind)
    {
        lock (Gate)
        {
            return _resources.Values.FirstOrDefault(r => r.Descriptor.ApiVersion == apiVersion && r.Descriptor.Kind == kind);
        }
    }

    public JsonObject Get(StoredResource r, string? ns, string name)
    {
        lock (Gate)
        {
            return JsonTree.Clone(Find(r, ns, name));
        }
    }

    public JsonObject? TryGet(StoredResource r, string? ns, string name)
    {
        lock (Gate)
        {
            return r.Items.TryGetValue(JsonTree.Key(ns, name), out var obj) ? JsonTree.Clone(obj) : null;
        }
    }

    public JsonObject List(StoredResource r, string? ns, LabelSelector labels, FieldSelector fields, int? limit, string? continueToken)
    {
        lock (Gate)
        {
            var after = continueToken is null ? null : DecodeContinue(continueToken);
            var matching = r.Items
                .Where(kv => (ns is null || JsonTree.MetaStr(kv.Value, "namespace") == ns) && labels.Matches(JsonTree.Labels(kv.Value)) && fields.Matches(kv.Value))
                .Where(kv => after is null || string.CompareOrdinal(kv.Key, after) > 0)
                .ToList();
            var page = limit is > 0 ? matching.Take(limit.Value).ToList() : matching;
            var meta = new JsonObject { ["resourceVersion"] = Rv(_revision) };
            if (page.Count < matching.Count)
            {
                meta["continue"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(page[^1].Key));
                meta["remainingItemCount"] = matching.Count - page.Count;
            }

            return new JsonObject
            {
                ["kind"] = r.Descriptor.Kind + "List",
                ["apiVersion"] = r.Descriptor.ApiVersion,
                ["metadata"] = meta,
                ["items"] = new JsonArray([.. page.Select(kv => (JsonNode)JsonTree.Clone(kv.Value))]),
            };
        }
    }

    /// <summary>POST: 409 AlreadyExists when taken. Drops status for resources with a status subresource unless <paramref name="keepStatus"/> (fixtures).</summary>
    public JsonObject Create(StoredResource r, string? ns, JsonObject body, bool keepStatus = false)
    {
        lock (Gate)
        {
            var obj = JsonTree.Clone(body);
            CheckTypeMeta(r, obj);
            MergeStringData(obj);
            var meta = JsonTree.Meta(obj);
            var bodyNs = JsonTree.Str(meta, "namespace");
            if (r.Descriptor.Namespaced)
            {
                if (bodyNs is not null && ns is not null && bodyNs != ns)
                {
                    throw ApiError.BadRequest($"the namespace of the provided object ({bodyNs}) does not match the namespace sent on the request ({ns})");
                }

                ns ??= bodyNs ?? throw ApiError.BadRequest($"{r.Plural} are namespaced: metadata.namespace or a namespaced URL is required");
                meta["namespace"] = ns;
            }
            else
            {
                ns = null;
                meta.Remove("namespace");
            }

            var name = JsonTree.Str(meta, "name");
            if (string.IsNullOrEmpty(name))
            {
                var prefix = JsonTree.Str(meta, "generateName") ?? throw ApiError.Invalid(r.Plural, "", "metadata.name: Required value: name or generateName is required");
                name = prefix + Guid.NewGuid().ToString("N")[..5];
                meta["name"] = name;
            }

            ObjectValidation.Validate(r, obj, name);
            if (r.Items.ContainsKey(JsonTree.Key(ns, name)))
            {
                throw ApiError.AlreadyExists(r.Plural, name);
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = JsonTree.Now();
            meta["generation"] = 1;
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            if (r.Options.StatusSubresource && !keepStatus)
            {
                obj.Remove("status");
            }

            Commit(r, ns, name, obj, null, "ADDED");
            return JsonTree.Clone(obj);
        }
    }

    /// <summary>PUT of the object (<paramref name="statusOnly"/> = false) or of /status.</summary>
    public JsonObject Update(StoredResource r, string? ns, string name, JsonObject body, bool statusOnly)
    {
        lock (Gate)
        {
            var old = Find(r, ns, name);
            var bodyName = JsonTree.MetaStr(body, "name");
            if (bodyName is not null && bodyName != name)
            {
                throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            CheckTypeMeta(r, body);
            CheckResourceVersion(r, name, old, JsonTree.MetaStr(body, "resourceVersion"));
            return UpdateLocked(r, ns, name, old, body, statusOnly);
        }
    }

    /// <summary>DELETE with optional DeleteOptions (preconditions, propagationPolicy). Returns the object's last state.</summary>
    public JsonObject Delete(StoredResource r, string? ns, string name, JsonObject? deleteOptions)
    {
        lock (Gate)
        {
            var obj = Find(r, ns, name);
            var pre = deleteOptions?["preconditions"] as JsonObject;
            var uid = JsonTree.Str(pre, "uid");
            if (uid is not null && uid != JsonTree.MetaStr(obj, "uid"))
            {
                throw ApiError.Conflict(r.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {JsonTree.MetaStr(obj, "uid")}");
            }

            var rv = JsonTree.Str(pre, "resourceVersion");
            if (rv is not null && rv != JsonTree.MetaStr(obj, "resourceVersion"))
            {
                throw ApiError.Conflict(r.Plural, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {JsonTree.MetaStr(obj, "resourceVersion")}");
            }

            var grace = deleteOptions?["gracePeriodSeconds"] is { } g ? JsonTree.Long(g) : (long?)null;
            if (serverOptions.GracefulPodDeletion && r.Descriptor is { Group: "", Plural: "pods" } && grace != 0 && TerminatesGracefully(obj))
            {
                if (JsonTree.Get(obj, "metadata.deletionTimestamp") is not null)
                {
                    return JsonTree.Clone(obj);
                }

                var terminating = JsonTree.Clone(obj);
                JsonTree.Meta(terminating)["deletionTimestamp"] = JsonTree.Now();
                JsonTree.Meta(terminating)["deletionGracePeriodSeconds"] = grace ?? (JsonTree.Get(obj, "spec.terminationGracePeriodSeconds") is { } t ? JsonTree.Long(t) : 30);
                Commit(r, ns, name, terminating, obj, "MODIFIED");
                return JsonTree.Clone(terminating);
            }

            return DeleteLocked(r, ns, name, obj, JsonTree.Str(deleteOptions, "propagationPolicy") ?? "Background");
        }
    }

    public void Compact()
    {
        lock (Gate)
        {
            Watches.Compact(_revision);
        }
    }

    private JsonObject UpdateLocked(StoredResource r, string? ns, string name, JsonObject old, JsonObject body, bool statusOnly)
    {
        JsonObject updated;
        if (statusOnly)
        {
            updated = JsonTree.Clone(old);
            updated["status"] = body["status"]?.DeepClone();
        }
        else
        {
            updated = JsonTree.Clone(body);
            MergeStringData(updated);
            var meta = JsonTree.Meta(updated);
            var oldMeta = JsonTree.Meta(old);
            foreach (var field in SystemMetadata)
            {
                meta.Remove(field);
                if (oldMeta[field] is { } value)
                {
                    meta[field] = value.DeepClone();
                }
            }

            if (r.Options.StatusSubresource)
            {
                updated.Remove("status");
                if (old["status"] is { } status)
                {
                    updated["status"] = status.DeepClone();
                }
            }

            ObjectValidation.Validate(r, updated, name);
            if (oldMeta["deletionTimestamp"] is not null && Finalizers(updated).Except(Finalizers(old)).Any())
            {
                throw ApiError.Invalid(r.Plural, name, "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted");
            }

            // With a status subresource every change but metadata and status bumps the generation; without one, status counts too.
            if (!JsonNode.DeepEquals(GenerationRelevant(r, old), GenerationRelevant(r, updated)))
            {
                meta["generation"] = JsonTree.Long(JsonTree.Get(old, "metadata.generation")) + 1;
            }
        }

        JsonTree.Meta(updated)["resourceVersion"] = JsonTree.MetaStr(old, "resourceVersion");
        if (JsonNode.DeepEquals(old, updated))
        {
            return JsonTree.Clone(old); // a no-op write keeps the resourceVersion and sends no event, as the real server does
        }

        if (JsonTree.Get(updated, "metadata.deletionTimestamp") is not null && !Finalizers(updated).Any())
        {
            Commit(r, ns, name, updated, old, "MODIFIED", remove: true);
            CollectDependents(JsonTree.MetaStr(updated, "uid")!, ns, "Background");
            return JsonTree.Clone(updated);
        }

        Commit(r, ns, name, updated, old, "MODIFIED");
        return JsonTree.Clone(updated);
    }

    // The pod strategy's CheckGracefulDelete: unbound and terminal pods go at once.
    private static bool TerminatesGracefully(JsonObject pod) =>
        !string.IsNullOrEmpty(JsonTree.Scalar(pod, "spec.nodeName")) && JsonTree.Scalar(pod, "status.phase") is not ("Succeeded" or "Failed");

    private JsonObject DeleteLocked(StoredResource r, string? ns, string name, JsonObject obj, string propagation)
    {
        if (Finalizers(obj).Any())
        {
            if (JsonTree.Get(obj, "metadata.deletionTimestamp") is not null)
            {
                return JsonTree.Clone(obj);
            }

            var marked = JsonTree.Clone(obj);
            JsonTree.Meta(marked)["deletionTimestamp"] = JsonTree.Now();
            JsonTree.Meta(marked)["deletionGracePeriodSeconds"] = 0;
            Commit(r, ns, name, marked, obj, "MODIFIED");
            return JsonTree.Clone(marked);
        }

        var last = JsonTree.Clone(obj);
        Commit(r, ns, name, last, obj, "DELETED", remove: true);
        CollectDependents(JsonTree.MetaStr(obj, "uid")!, ns, propagation);
        return JsonTree.Clone(last);
    }

    /// <summary>
    /// Garbage collection after an owner is gone: dependents whose owners are all gone are deleted (their finalizers
    /// respected); with Orphan the reference is removed instead. Runs synchronously (the real collector is asynchronous);
    /// Foreground is treated as Background.
    /// </summary>
    private void CollectDependents(string ownerUid, string? ns, string propagation)
    {
        foreach (var r in _resources.Values)
        {
            foreach (var (key, obj) in r.Items.ToList())
            {
                var refs = obj["metadata"]?["ownerReferences"] as JsonArray;
                if (refs is null || !refs.Any(o => JsonTree.Str(o, "uid") == ownerUid) || (ns is not null && JsonTree.MetaStr(obj, "namespace") != ns))
                {
                    continue;
                }

                var depNs = JsonTree.MetaStr(obj, "namespace");
                var depName = JsonTree.MetaStr(obj, "name")!;
                if (propagation == "Orphan")
                {
                    var orphaned = JsonTree.Clone(obj);
                    var kept = new JsonArray([.. refs.Where(o => JsonTree.Str(o, "uid") != ownerUid).Select(o => o!.DeepClone())]);
                    JsonTree.Meta(orphaned)["ownerReferences"] = kept;
                    Commit(r, depNs, depName, orphaned, obj, "MODIFIED");
                }
                else if (r.Items.ContainsKey(key) && refs.All(o => !UidExists(JsonTree.Str(o, "uid"))))
                {
                    DeleteLocked(r, depNs, depName, obj, "Background");
                }
            }
        }
    }

    private bool UidExists(string? uid) => uid is not null && _resources.Values.Any(r => r.Items.Values.Any(o => JsonTree.MetaStr(o, "uid") == uid));

    private void Commit(StoredResource r, string? ns, string name, JsonObject obj, JsonObject? old, string type, bool remove = false)
    {
        _revision++;
        JsonTree.Meta(obj)["resourceVersion"] = Rv(_revision);
        var key = JsonTree.Key(ns, name);
        if (remove)
        {
            r.Items.Remove(key);
        }
        else
        {
            r.Items[key] = obj;
        }

        Watches.Record(_revision, r, remove ? "DELETED" : type, obj, old);
    }

    private static JsonObject Find(StoredResource r, string? ns, string name) =>
        r.Items.TryGetValue(JsonTree.Key(ns, name), out var obj) ? obj : throw ApiError.NotFound(r.Plural, name);

    private static void CheckResourceVersion(StoredResource r, string name, JsonObject current, string? expected)
    {
        if (!string.IsNullOrEmpty(expected) && expected != JsonTree.MetaStr(current, "resourceVersion"))
        {
            throw ApiError.Conflict(r.Plural, name, "the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private static void CheckTypeMeta(StoredResource r, JsonObject obj)
    {
        var kind = JsonTree.Str(obj, "kind");
        var apiVersion = JsonTree.Str(obj, "apiVersion");
        if ((kind is not null && kind != r.Descriptor.Kind) || (apiVersion is not null && apiVersion != r.Descriptor.ApiVersion))
        {
            throw ApiError.BadRequest($"the object is {apiVersion}/{kind} but the URL is for {r.Descriptor.ApiVersion}/{r.Descriptor.Kind}");
        }

        obj["kind"] = r.Descriptor.Kind;
        obj["apiVersion"] = r.Descriptor.ApiVersion;
    }

    /// <summary>Secrets: <c>stringData</c> is write-only; the server folds it into base64 <c>data</c>.</summary>
    private static void MergeStringData(JsonObject obj)
    {
        if (JsonTree.Str(obj, "kind") != "Secret" || obj["stringData"] is not JsonObject strings)
        {
            return;
        }

        if (obj["data"] is not JsonObject data)
        {
            data = [];
            obj["data"] = data;
        }

        foreach (var (key, value) in strings)
        {
            data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
        }

        obj.Remove("stringData");
    }

    private static IEnumerable<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>() ?? "") ?? [];

    private static JsonObject GenerationRelevant(StoredResource r, JsonObject obj)
    {
        var copy = JsonTree.Clone(obj);
        copy.Remove("metadata");
        if (r.Options.StatusSubresource)
        {
            copy.Remove("status");
        }

        return copy;
    }

    private static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);

    private static string DecodeContinue(string token)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw ApiError.BadRequest($"invalid continue token '{token}'");
        }
    }
}
