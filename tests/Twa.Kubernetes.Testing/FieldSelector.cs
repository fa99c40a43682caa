using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Testing;

/// <summary>
/// A field selector: comma-separated <c>path=value</c>, <c>path==value</c> or <c>path!=value</c> over any dotted path
/// of the object (the real server supports a per-resource subset, e.g. metadata.name, status.phase). Immutable.
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Equal)> _terms = [];

    private FieldSelector()
    {
    }

    public static FieldSelector Everything { get; } = new();

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            var op = term.Contains("!=", StringComparison.Ordinal) ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=";
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at <= 0)
            {
                throw ApiError.BadRequest($"invalid field selector term '{term}' in '{text}': expected path=value or path!=value");
            }

            selector._terms.Add((term[..at].Trim(), term[(at + op.Length)..].Trim(), op != "!="));
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => _terms.TrueForAll(t => (JsonTree.Scalar(obj, t.Path) == t.Value) == t.Equal);
}
