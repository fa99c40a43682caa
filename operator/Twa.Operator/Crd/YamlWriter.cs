using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Twa.Operator.Crd;

/// <summary>Writes a JSON tree as block-style YAML, deterministically: keys in tree order, two-space indent,
/// list items at their key's indent (the kubectl/kubebuilder layout), strings plain when unambiguous and
/// otherwise JSON double-quoted (valid YAML). Thread-safe (no state).</summary>
internal static partial class YamlWriter
{
    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    };

    private static readonly JsonSerializerOptions s_quoted = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var text = new StringBuilder();
        WriteBlock(text, node, 0);
        return text.ToString();
    }

    private static void WriteBlock(StringBuilder text, JsonNode node, int indent)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    text.Append(pad).Append(Scalar(key)).Append(':');
                    WriteValue(text, value, indent, inList: false);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    text.Append(pad).Append('-');
                    WriteValue(text, item, indent, inList: true);
                }

                break;
            default:
                text.Append(pad).Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static void WriteValue(StringBuilder text, JsonNode? value, int indent, bool inList)
    {
        switch (value)
        {
            case JsonObject { Count: 0 }:
                text.Append(" {}\n");
                break;
            case JsonArray { Count: 0 }:
                text.Append(" []\n");
                break;
            case JsonObject obj when inList:
                // First key on the dash line, the rest aligned under it.
                var first = true;
                foreach (var (key, v) in obj)
                {
                    text.Append(first ? " " : new string(' ', indent + 2)).Append(Scalar(key)).Append(':');
                    WriteValue(text, v, indent + 2, inList: false);
                    first = false;
                }

                break;
            case JsonObject obj:
                text.Append('\n');
                WriteBlock(text, obj, indent + 2);
                break;
            case JsonArray array:
                text.Append('\n');
                WriteBlock(text, array, inList ? indent + 2 : indent);
                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static string Scalar(JsonNode? node)
    {
        if (node is null)
        {
            return "null";
        }

        var kind = node.GetValueKind();
        return kind switch
        {
            JsonValueKind.String => Scalar(node.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => node.ToJsonString(),
            _ => throw new NotSupportedException($"cannot write {kind} as a YAML scalar"),
        };
    }

    private static string Scalar(string s) =>
        Plain().IsMatch(s) && !s_reserved.Contains(s) && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? s
            : JsonSerializer.Serialize(s, s_quoted);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_./-]*( [A-Za-z0-9_./()-]+)*$")]
    private static partial Regex Plain();
}
