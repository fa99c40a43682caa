namespace Twa.Kubernetes.Testing;

/// <summary>
/// A parsed label selector (the string form of the API): <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>,
/// <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c> (exists) and <c>!k</c> (does not exist), comma-separated (AND).
/// Immutable and thread-safe.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _terms = [];

    private LabelSelector()
    {
    }

    public static LabelSelector Everything { get; } = new();

    /// <exception cref="ApiError">400 BadRequest naming the bad term.</exception>
    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in SplitTerms(text))
        {
            var term = raw.Trim();
            if (term.Length == 0)
            {
                throw ApiError.BadRequest($"unable to parse requirement: empty term in label selector '{text}'");
            }

            selector._terms.Add(ParseTerm(term, text));
        }

        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _terms.TrueForAll(t => t(labels));

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term, string text)
    {
        if (term.StartsWith('!'))
        {
            var key = Key(term[1..], text);
            return l => !l.ContainsKey(key);
        }

        var inAt = term.IndexOf(" in ", StringComparison.Ordinal);
        var notInAt = term.IndexOf(" notin ", StringComparison.Ordinal);
        if (notInAt > 0 || inAt > 0)
        {
            var negate = notInAt > 0;
            var at = negate ? notInAt : inAt;
            var key = Key(term[..at], text);
            var set = term[(at + (negate ? 7 : 4))..].Trim();
            if (!set.StartsWith('(') || !set.EndsWith(')'))
            {
                throw ApiError.BadRequest($"unable to parse requirement '{term}' in label selector '{text}': expected a parenthesised set of values");
            }

            var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return negate
                ? l => !l.TryGetValue(key, out var v) || !values.Contains(v)
                : l => l.TryGetValue(key, out var v) && values.Contains(v);
        }

        foreach (var op in new[] { "!=", "==", "=" })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(term[..at], text);
                var value = term[(at + op.Length)..].Trim();
                return op == "!="
                    ? l => !l.TryGetValue(key, out var v) || v != value
                    : l => l.TryGetValue(key, out var v) && v == value;
            }
        }

        var exists = Key(term, text);
        return l => l.ContainsKey(exists);
    }

    private static string Key(string key, string text)
    {
        key = key.Trim();
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or ',' or '=' or '!'))
        {
            throw ApiError.BadRequest($"invalid label key '{key}' in label selector '{text}'");
        }

        return key;
    }

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }
}
