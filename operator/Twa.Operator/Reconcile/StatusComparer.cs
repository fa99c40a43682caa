using System.Text.Json;
using System.Text.Json.Serialization;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Value equality of two statuses (records with arrays compare arrays by reference, so compare the JSON
/// the API server would store instead). Thread-safe.</summary>
internal static class StatusComparer
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static bool Equal(V1Alpha1TwaJobStatus a, V1Alpha1TwaJobStatus? b) =>
        b is not null && JsonSerializer.Serialize(a, s_json) == JsonSerializer.Serialize(b, s_json);
}
