using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twa.Kubernetes.Serialization;

/// <summary>
/// The JSON conventions of the Kubernetes API: camelCase names, nulls omitted, times as RFC 3339
/// in UTC with second precision (<see cref="Rfc3339TimeConverter"/>; fields declared as MicroTime
/// use <see cref="MicroTimeConverter"/>). The options instance is frozen and safe to share across threads.
/// </summary>
public static class KubernetesJson
{
    /// <summary>The shared, read-only serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Serializes <paramref name="value"/> with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Deserializes <paramref name="json"/> with <see cref="Options"/>; throws <see cref="JsonException"/> on malformed input or a JSON null.</summary>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"Expected a {typeof(T).Name} but the JSON was null.");

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new Rfc3339TimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
