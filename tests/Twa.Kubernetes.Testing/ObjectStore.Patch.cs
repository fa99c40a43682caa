using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

internal sealed partial class ObjectStore
{
    /// <summary>
    /// PATCH of the object or its /status. Merge and JSON patches need the object to exist (404); a resourceVersion in the
    /// patched result must match (409). Apply (<c>application/apply-patch+yaml</c>) is an approximation of server-side apply:
    /// it needs a field manager, creates the object when absent and otherwise merge-patches the sent intent onto it
    /// (no field ownership: fields dropped from the intent are not removed, and conflicts are never reported).
    /// </summary>
    public JsonObject Patch(StoredResource r, string? ns, string name, string contentType, string body, string? fieldManager, bool statusOnly)
    {
        lock (Gate)
        {
            var type = MediaType(contentType);
            if (type == "application/apply-patch+yaml")
            {
                if (string.IsNullOrEmpty(fieldManager))
                {
                    throw ApiError.BadRequest("PATCH with application/apply-patch+yaml requires the fieldManager query parameter");
                }

                var intent = ParseApplyBody(body);
                var intentName = JsonTree.MetaStr(intent, "name");
                if (intentName is not null && intentName != name)
                {
                    throw ApiError.BadRequest($"the name of the object ({intentName}) does not match the name on the URL ({name})");
                }

                if (!r.Items.TryGetValue(JsonTree.Key(r.Descriptor.Namespaced ? ns : null, name), out var existing))
                {
                    if (statusOnly)
                    {
                        throw ApiError.NotFound(r.Plural, name);
                    }

                    JsonTree.Meta(intent)["name"] = name;
                    JsonTree.Meta(intent).Remove("resourceVersion");
                    return Create(r, ns, intent);
                }

                var applied = (JsonObject)JsonPatcher.Merge(JsonTree.Clone(existing), intent)!;
                CheckTypeMeta(r, applied);
                CheckResourceVersion(r, name, existing, JsonTree.MetaStr(intent, "resourceVersion"));
                return UpdateLocked(r, ns, name, existing, applied, statusOnly);
            }

            var old = Find(r, ns, name);
            var patched = ApplyPatch(type, JsonTree.Clone(old), body, r.Plural, name);
            CheckResourceVersion(r, name, old, JsonTree.MetaStr(patched, "resourceVersion"));
            CheckTypeMeta(r, patched);
            return UpdateLocked(r, ns, name, old, patched, statusOnly);
        }
    }

    /// <summary>GET /scale: autoscaling/v1 Scale built from the configured paths.</summary>
    public JsonObject GetScale(StoredResource r, string? ns, string name)
    {
        lock (Gate)
        {
            return ToScale(r, Find(r, ns, name));
        }
    }

    /// <summary>PUT /scale (<paramref name="patchType"/> null) or PATCH /scale: sets the spec replicas path (a spec change: generation bumps).</summary>
    public JsonObject UpdateScale(StoredResource r, string? ns, string name, string body, string? patchType)
    {
        lock (Gate)
        {
            var scaleConfig = r.Options.Scale!;
            var old = Find(r, ns, name);
            var current = ToScale(r, old);
            var scale = patchType is null ? ParseObject(body) : ApplyPatch(MediaType(patchType), current, body, r.Plural, name);
            CheckResourceVersion(r, name, old, JsonTree.MetaStr(scale, "resourceVersion"));
            var replicas = JsonTree.Get(scale, "spec.replicas");
            if (replicas is not JsonValue v || !v.TryGetValue<int>(out var n) || n < 0)
            {
                throw ApiError.Invalid("Scale", name, $"spec.replicas: Invalid value: {replicas?.ToJsonString() ?? "null"}: must be a non-negative integer");
            }

            var updated = JsonTree.Clone(old);
            JsonTree.Set(updated, scaleConfig.SpecReplicasPath, n);
            var result = UpdateLocked(r, ns, name, old, updated, statusOnly: false);
            return ToScale(r, result);
        }
    }

    private static JsonObject ToScale(StoredResource r, JsonObject obj)
    {
        var config = r.Options.Scale!;
        var name = JsonTree.MetaStr(obj, "name")!;
        var spec = JsonTree.Get(obj, config.SpecReplicasPath)
            ?? throw new ApiError(500, "InternalError", $"the spec replicas field \"{config.SpecReplicasPath}\" does not exist on {r.Plural} \"{name}\"");
        var status = new JsonObject { ["replicas"] = JsonTree.Long(JsonTree.Get(obj, config.StatusReplicasPath)) };
        if (config.LabelSelectorPath is not null && JsonTree.Get(obj, config.LabelSelectorPath) is { } selector)
        {
            status["selector"] = selector.DeepClone();
        }

        var meta = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (obj["metadata"]?[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["replicas"] = spec.DeepClone() },
            ["status"] = status,
        };
    }

    private static JsonObject ApplyPatch(string type, JsonObject target, string body, string plural, string name)
    {
        var patch = ParseNode(body);
        var result = type switch
        {
            "application/merge-patch+json" => JsonPatcher.Merge(target, patch),
            "application/json-patch+json" => JsonPatcher.Apply(target, patch),
            "application/strategic-merge-patch+json" => throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (strategic merge is not supported for {plural})"),
            _ => throw new ApiError(415, "UnsupportedMediaType", $"unsupported patch content type '{type}'"),
        };
        return result as JsonObject ?? throw ApiError.Invalid(plural, name, "the patched object is not a JSON object");
    }

    private static JsonObject ParseApplyBody(string body)
    {
        try
        {
            return ParseObject(body);
        }
        catch (ApiError)
        {
            try
            {
                return YamlJson.ParseDocuments(body).SingleOrDefault() as JsonObject ?? throw ApiError.BadRequest("the apply patch must be a single YAML/JSON object");
            }
            catch (FormatException e)
            {
                throw ApiError.BadRequest($"the apply patch is neither JSON nor YAML: {e.Message}");
            }
        }
    }

    internal static JsonObject ParseObject(string body) =>
        ParseNode(body) as JsonObject ?? throw ApiError.BadRequest("the request body must be a JSON object");

    private static JsonNode? ParseNode(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static string MediaType(string contentType) =>
        contentType.Split(';')[0].Trim().ToLower(CultureInfo.InvariantCulture);
}
