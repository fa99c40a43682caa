using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twa.Kubernetes.Serialization;

/// <summary>
/// metav1.MicroTime (Lease renew/acquire times, events.k8s.io eventTime): RFC 3339 UTC with six fractional
/// digits (<c>2024-05-01T12:00:00.123456Z</c>). Stateless and thread-safe.
/// </summary>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rfc3339TimeConverter.Parse(reader.GetString());

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
    }
}
