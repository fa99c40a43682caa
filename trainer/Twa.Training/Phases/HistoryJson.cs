using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twa.Training.Phases;

/// <summary>History rows as JSON, kept in committed state so a resumed run (a new membership generation) still reports
/// every epoch. NaN figures (ranks that do not evaluate) survive the round trip.</summary>
internal static class HistoryJson
{
    private static readonly JsonSerializerOptions s_options = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string Write(IEnumerable<EpochRecord> rows) => JsonSerializer.Serialize(rows.ToArray(), s_options);

    public static EpochRecord[] Read(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<EpochRecord[]>(json, s_options) ?? [];
}
