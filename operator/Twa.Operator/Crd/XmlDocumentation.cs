using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Twa.Operator.Crd;

/// <summary>The XML documentation of an assembly (its <c>.xml</c> file next to the <c>.dll</c>): summaries of
/// types and properties become CRD descriptions, so the docs written in C# are the schema's docs. Immutable
/// after construction; thread-safe.</summary>
internal sealed partial class XmlDocumentation
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocumentation(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>Loads the documentation file of <paramref name="assembly"/>.</summary>
    /// <exception cref="FileNotFoundException">No XML file next to the assembly (a build without
    /// GenerateDocumentationFile would silently change the CRD, so this fails instead).</exception>
    public static XmlDocumentation For(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} not found: the CRD descriptions come from the XML docs of {assembly.GetName().Name}; build it with GenerateDocumentationFile (Directory.Build.props sets it)", path);
        }

        var doc = XDocument.Load(path);
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in doc.Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary");
            if (name is not null && summary is not null)
            {
                summaries[name] = Flatten(summary);
            }
        }

        return new XmlDocumentation(summaries);
    }

    /// <summary>The summary of <paramref name="type"/>, or null.</summary>
    public string? Of(Type type) => _summaries.GetValueOrDefault("T:" + type.FullName);

    /// <summary>The summary of <paramref name="property"/>, or null.</summary>
    public string? Of(PropertyInfo property) =>
        _summaries.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    private static string Flatten(XElement summary)
    {
        var text = new StringBuilder();
        foreach (var node in summary.Nodes())
        {
            text.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "see" or "seealso" } e => Reference(e),
                XElement { Name.LocalName: "paramref" or "typeparamref" } e => e.Attribute("name")?.Value ?? "",
                XElement e => e.Value,
                _ => "",
            });
        }

        return Whitespace().Replace(text.ToString(), " ").Trim();
    }

    /// <summary><c>&lt;see cref="P:Twa.Jobs.X.Values"/&gt;</c> reads as the YAML name <c>values</c>.</summary>
    private static string Reference(XElement see)
    {
        if (see.Value.Length > 0)
        {
            return see.Value;
        }

        var cref = see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value ?? "";
        var name = cref[(cref.LastIndexOf('.') + 1)..];
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        name = paren >= 0 ? name[..paren] : name;
        return cref.StartsWith("P:", StringComparison.Ordinal) && name.Length > 0 ? char.ToLowerInvariant(name[0]) + name[1..] : name;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
