using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Twa.Torch.Serialization;

/// <summary>The JSON header of a safetensors file: parsing with full validation against the data buffer, and
/// byte-exact serialisation in the reference writer's form (compact JSON, "__metadata__" first, space padding to a
/// multiple of 8 bytes).</summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The reference implementation's limit on N (MAX_HEADER_SIZE).</summary>
    public const long MaxLength = 100_000_000;

    public const string MetadataKey = "__metadata__";

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SafetensorsHeader(IReadOnlyList<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>Entries in data-offset order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses and validates the N header bytes of <paramref name="path"/>, whose data buffer holds
    /// <paramref name="bufferLength"/> bytes. Throws <see cref="SafetensorsFormatException"/> on any problem.</summary>
    public static SafetensorsHeader Parse(string path, byte[] json, long bufferLength)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            throw Bad(path, json.Length == 0 ? "the header is empty" : "the header does not start with '{'");
        }

        if (!Utf8.IsValid(json))
        {
            throw Bad(path, "the header is not valid UTF-8");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, $"the header is not valid JSON ({e.Message})", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "the header is not a JSON object");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Bad(path, $"duplicate key '{property.Name}' in the header");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(path, property.Value);
                }
                else
                {
                    entries.Add(ParseEntry(path, property.Name, property.Value));
                }
            }

            entries.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
            CheckLayout(path, entries, bufferLength);
            return new SafetensorsHeader(entries, metadata);
        }
    }

    private static Dictionary<string, string> ParseMetadata(string path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, $"'{MetadataKey}' is not an object of strings");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Bad(path, $"'{MetadataKey}' value of '{item.Name}' is a {item.Value.ValueKind}, not a string");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Bad(path, $"duplicate key '{item.Name}' in '{MetadataKey}'");
            }
        }

        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, $"tensor '{name}': entry is a {value.ValueKind}, not an object");
        }

        // Unknown fields are ignored, as the reference reader does.
        JsonElement? dtypeJson = null, shapeJson = null, offsetsJson = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeJson is null: dtypeJson = field.Value; break;
                case "shape" when shapeJson is null: shapeJson = field.Value; break;
                case "data_offsets" when offsetsJson is null: offsetsJson = field.Value; break;
                case "dtype" or "shape" or "data_offsets": throw Bad(path, $"tensor '{name}': duplicate field '{field.Name}'");
            }
        }

        if (dtypeJson is not { ValueKind: JsonValueKind.String } dj)
        {
            throw Bad(path, $"tensor '{name}': missing or non-string 'dtype'");
        }

        var dtypeName = dj.GetString()!;
        if (!SafetensorsDTypes.TryGet(dtypeName, out var elementSize, out var dtype))
        {
            throw Bad(path, $"tensor '{name}': unknown dtype '{dtypeName}'");
        }

        var shape = ReadNaturals(path, name, "shape", shapeJson, -1);
        var offsets = ReadNaturals(path, name, "data_offsets", offsetsJson, 2);
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        }

        long numElements = 1, byteLength;
        try
        {
            foreach (var d in shape)
            {
                numElements = checked(numElements * d);
            }

            byteLength = checked(numElements * elementSize);
        }
        catch (OverflowException)
        {
            throw Bad(path, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows a 64-bit byte count");
        }

        if (end - begin != byteLength)
        {
            throw Bad(path, $"tensor '{name}': data_offsets [{begin}, {end}] span {end - begin} bytes but {dtypeName} " +
                $"shape [{string.Join(", ", shape)}] needs {byteLength}");
        }

        return new SafetensorsEntry(name, dtypeName, dtype, elementSize, shape, numElements, begin, end);
    }

    private static long[] ReadNaturals(string path, string name, string field, JsonElement? json, int count)
    {
        if (json is not { ValueKind: JsonValueKind.Array } array || (count >= 0 && array.GetArrayLength() != count))
        {
            var what = count >= 0 ? $"an array of {count} non-negative integers" : "an array of non-negative integers";
            throw Bad(path, $"tensor '{name}': '{field}' is missing or not {what}");
        }

        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
            {
                throw Bad(path, $"tensor '{name}': '{field}' entry {item.GetRawText()} is not a non-negative 64-bit integer");
            }

            values[i++] = v;
        }

        return values;
    }

    /// <summary>The entries (sorted by offset) must tile [0, bufferLength) exactly: no gap, no overlap, nothing
    /// past the end and nothing left over.</summary>
    private static void CheckLayout(string path, List<SafetensorsEntry> entries, long bufferLength)
    {
        long expected = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in entries)
        {
            if (e.DataBegin < expected)
            {
                throw Bad(path, $"tensor '{e.Name}' bytes [{e.DataBegin}, {e.DataEnd}) overlap tensor '{previous!.Name}' " +
                    $"bytes [{previous.DataBegin}, {previous.DataEnd})");
            }

            if (e.DataBegin > expected)
            {
                throw Bad(path, $"gap in the data buffer: bytes [{expected}, {e.DataBegin}) before tensor '{e.Name}' belong to no tensor");
            }

            if (e.DataEnd > bufferLength)
            {
                throw Bad(path, $"tensor '{e.Name}' bytes [{e.DataBegin}, {e.DataEnd}) run past the end of the {bufferLength}-byte " +
                    "data buffer (file truncated?)");
            }

            expected = e.DataEnd;
            previous = e;
        }

        if (expected != bufferLength)
        {
            throw Bad(path, $"the data buffer holds {bufferLength} bytes but the tensors cover only {expected}: " +
                $"{bufferLength - expected} trailing byte(s) belong to no tensor");
        }
    }

    /// <summary>One tensor to write: name, safetensors dtype name, shape and byte count.</summary>
    internal readonly record struct Item(string Name, byte[] NameUtf8, string DTypeName, long[] Shape, long ByteLength);

    /// <summary>Orders items as the reference writer does: by dtype, descending in the reference enum's order,
    /// then by name (byte-wise UTF-8, i.e. code point order).</summary>
    public static void SortLikeReference(List<Item> items) =>
        items.Sort((a, b) =>
        {
            var byDType = SafetensorsDTypes.RankOf(b.DTypeName).CompareTo(SafetensorsDTypes.RankOf(a.DTypeName));
            return byDType != 0 ? byDType : a.NameUtf8.AsSpan().SequenceCompareTo(b.NameUtf8);
        });

    /// <summary>Serialises the header for <paramref name="items"/> laid out in order, padded with spaces to a
    /// multiple of 8 bytes. Metadata keys are written in ordinal order (the reference's order is a hash order).</summary>
    public static byte[] Serialize(IReadOnlyList<Item> items, IReadOnlyDictionary<string, string>? metadata)
    {
        var sb = new StringBuilder("{");
        var first = true;
        if (metadata is not null)
        {
            sb.Append('"').Append(MetadataKey).Append("\":{");
            var keys = metadata.Keys.ToList();
            keys.Sort(string.CompareOrdinal);
            for (var i = 0; i < keys.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }

                AppendString(sb, keys[i]).Append(':');
                AppendString(sb, metadata[keys[i]]);
            }

            sb.Append('}');
            first = false;
        }

        long offset = 0;
        foreach (var item in items)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            AppendString(sb, item.Name).Append(":{\"dtype\":\"").Append(item.DTypeName).Append("\",\"shape\":[");
            sb.AppendJoin(',', item.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            sb.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',');
            offset += item.ByteLength;
            sb.Append(offset.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }

        sb.Append('}');
        var json = StrictUtf8.GetBytes(sb.ToString());
        var padded = new byte[(json.Length + 7) / 8 * 8];
        json.CopyTo(padded, 0);
        padded.AsSpan(json.Length).Fill((byte)' ');
        return padded;
    }

    /// <summary>Appends a JSON string escaped as serde_json does: '"', '\\' and control characters only
    /// (\b \f \n \r \t, else \u00xx in lower-case hex); everything else verbatim.</summary>
    private static StringBuilder AppendString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }

        return sb.Append('"');
    }

    private static SafetensorsFormatException Bad(string path, string problem) => new(path, problem, null);
}
