using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Twa.Jobs.Operator;

/// <summary>
/// TwaJobs as the Kubernetes API serves them (JSON) and back. <see cref="Read"/> binds an object from the API
/// server with the same binder and validation as <c>twa train</c> (unknown fields and bad values are
/// <see cref="JobFileException"/> problems naming the field); <see cref="ToJson"/> writes any Twa.Jobs record
/// (e.g. a <see cref="V1Alpha1TwaJobStatus"/> for a /status update) in the CRD's spelling: camelCase keys, no null
/// fields, enums as in the schema, times as RFC 3339 UTC seconds (metav1.Time). Thread-safe (no state).
/// </summary>
public static class TwaJobJson
{
    /// <summary>The metadata fields <see cref="ObjectMeta"/> keeps; the server-managed rest (resourceVersion,
    /// managedFields, ...) is dropped before binding.</summary>
    private static readonly string[] s_metadataFields = ["name", "namespace", "uid", "labels", "annotations"];

    /// <summary>Binds and validates a TwaJob read from the API server. <paramref name="obj"/> is not modified.</summary>
    /// <exception cref="JobFileException">Unknown fields, wrong types or invalid values; the source is namespace/name.</exception>
    public static V1Alpha1TwaJob Read(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var copy = obj.DeepClone().AsObject();
        if (copy["metadata"] is JsonObject meta)
        {
            foreach (var key in meta.Select(kv => kv.Key).Where(k => !s_metadataFields.Contains(k)).ToList())
            {
                meta.Remove(key);
            }
        }

        var source = $"{(string?)copy["metadata"]?["namespace"] ?? "-"}/{(string?)copy["metadata"]?["name"] ?? "-"}";
        return TwaJobLoader.Parse(copy.ToJsonString(), source);
    }

    /// <summary>A record, array, enum or scalar as JSON in the CRD's spelling; null for null.</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        DateTimeOffset t => JsonValue.Create(t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        JsonNode n => n.DeepClone(),
        Enum e => JsonValue.Create(EnumSpelling(e)),
        IReadOnlyDictionary<string, string> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
        IEnumerable items => new JsonArray([.. items.Cast<object?>().Select(ToJson)]),
        _ => RecordToJson(value),
    };

    /// <summary>How <paramref name="value"/> is written in YAML and in the CRD: the member name for enums marked
    /// <see cref="Schema.KubernetesEnumAttribute"/>, else lower case.</summary>
    public static string EnumSpelling(Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var name = value.ToString();
        return value.GetType().IsDefined(typeof(Schema.KubernetesEnumAttribute)) ? name : name.ToLowerInvariant();
    }

    private static JsonObject RecordToJson(object value)
    {
        var obj = new JsonObject();
        var properties = value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.Name, StringComparer.Ordinal);
        foreach (var property in properties)
        {
            if (property.GetValue(value) is { } v)
            {
                obj[char.ToLowerInvariant(property.Name[0]) + property.Name[1..]] = ToJson(v);
            }
        }

        return obj;
    }
}
