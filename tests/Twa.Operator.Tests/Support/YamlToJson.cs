using System.Text.Json.Nodes;
using Twa.Jobs.Yaml;
using YamlDotNet.RepresentationModel;

namespace Twa.Operator.Tests.Support;

/// <summary>YAML documents as JSON trees, the way the API server reads a manifest (the binder's own
/// <see cref="YamlJson"/>: YAML 1.2 core schema for plain scalars; quoted scalars stay strings).</summary>
internal static class YamlToJson
{
    public static IReadOnlyList<JsonNode?> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode))];
    }

    public static JsonNode? Single(string yaml) => Assert.Single(Documents(yaml));

    public static JsonNode? Convert(YamlNode node) => YamlJson.ToJson(node);
}
