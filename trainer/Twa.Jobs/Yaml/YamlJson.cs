using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Twa.Jobs.Yaml;

/// <summary>Converts a YAML node tree to JSON with the YAML 1.2 core schema: plain scalars <c>null</c>/<c>~</c>,
/// <c>true</c>/<c>false</c>, integers and floats become JSON literals; quoted scalars stay strings. Used to bind
/// <c>spec.template</c>, and by tests to read manifests the way the API server does. Stateless; thread-safe.</summary>
public static class YamlJson
{
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => null,
    };

    private static JsonObject ToObject(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in map.Children)
        {
            obj[(k as YamlScalarNode)?.Value ?? ""] = ToJson(v);
        }

        return obj;
    }

    private static JsonValue? ToScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        var inv = CultureInfo.InvariantCulture;
        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, inv, out var l) => JsonValue.Create(l),
            _ when double.TryParse(text, NumberStyles.Float, inv, out var d) && double.IsFinite(d) => JsonValue.Create(d),
            _ => JsonValue.Create(text),
        };
    }
}
