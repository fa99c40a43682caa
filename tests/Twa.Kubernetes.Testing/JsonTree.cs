using System.Globalization;
using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>Helpers over stored objects (plain JSON trees): metadata access and dotted paths.</summary>
internal static class JsonTree
{
    public static JsonObject Meta(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string? MetaStr(JsonObject obj, string name) => Str(obj["metadata"], name);

    public static string Key(string? ns, string name) => $"{ns}/{name}";

    public static JsonObject Clone(JsonObject obj) => (JsonObject)obj.DeepClone();

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The node at a dotted path such as <c>.spec.replicas</c> (leading dot optional), or null.</summary>
    public static JsonNode? Get(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in Split(path))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node;
    }

    /// <summary>Sets the node at a dotted path, creating intermediate objects.</summary>
    public static void Set(JsonObject obj, string path, JsonNode? value)
    {
        var parts = Split(path);
        var node = obj;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (k, v) in labels)
            {
                if (v is JsonValue value && value.TryGetValue<string>(out var s))
                {
                    result[k] = s;
                }
            }
        }

        return result;
    }

    /// <summary>The string form of a scalar at a path ("" when absent), for field selectors.</summary>
    public static string Scalar(JsonObject obj, string path) => Get(obj, path) switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        var other => other.ToJsonString(),
    };

    /// <summary>An integer node as a long (0 when absent); throws <see cref="FormatException"/> for non-integers.</summary>
    public static long Long(JsonNode? node) =>
        node is null ? 0 : long.Parse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string[] Split(string path) => path.TrimStart('.').Split('.');
}
