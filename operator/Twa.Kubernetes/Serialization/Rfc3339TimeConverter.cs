using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twa.Kubernetes.Serialization;

/// <summary>
/// metav1.Time: written as RFC 3339 UTC with second precision (<c>2024-05-01T12:00:00Z</c>), read from
/// any RFC 3339 / ISO 8601 form. Stateless and thread-safe.
/// </summary>
public sealed class Rfc3339TimeConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    internal static DateTimeOffset Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 time (expected e.g. 2024-05-01T12:00:00Z).");
        }

        return value;
    }
}
