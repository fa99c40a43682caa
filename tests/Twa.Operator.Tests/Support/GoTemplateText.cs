using System.Text.RegularExpressions;

namespace Twa.Operator.Tests.Support;

/// <summary>Static checks of Helm (Go text/template) files without rendering them: actions are closed, blocks
/// (<c>if</c>/<c>range</c>/<c>with</c>/<c>define</c>/<c>block</c>) match their <c>end</c>, and named templates can be
/// read back as text.</summary>
internal static partial class GoTemplateText
{
    private static readonly HashSet<string> s_openers = ["if", "range", "with", "define", "block"];

    /// <summary>Problems with the action delimiters and block structure of <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> CheckBalance(string text)
    {
        var problems = new List<string>();
        var stack = new Stack<(string Keyword, int Line)>();
        var position = 0;
        while (true)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            var strayClose = text.IndexOf("}}", position, StringComparison.Ordinal);
            if (strayClose >= 0 && (open < 0 || strayClose < open))
            {
                problems.Add($"line {Line(text, strayClose)}: '}}}}' without an opening '{{{{'");
                position = strayClose + 2;
                continue;
            }

            if (open < 0)
            {
                break;
            }

            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                problems.Add($"line {Line(text, open)}: '{{{{' is never closed");
                break;
            }

            var action = text[(open + 2)..close];
            if (action.Contains("{{", StringComparison.Ordinal))
            {
                problems.Add($"line {Line(text, open)}: '{{{{' inside an action");
            }

            var body = action.Trim('-', ' ', '\t', '\n', '\r');
            if (!body.StartsWith("/*", StringComparison.Ordinal))
            {
                var keyword = Keyword().Match(body).Value;
                if (s_openers.Contains(keyword))
                {
                    stack.Push((keyword, Line(text, open)));
                }
                else if (keyword == "end" && !stack.TryPop(out _))
                {
                    problems.Add($"line {Line(text, open)}: 'end' without an open block");
                }
                else if (keyword == "else" && stack.Count == 0)
                {
                    problems.Add($"line {Line(text, open)}: 'else' outside a block");
                }
            }
            else if (!body.EndsWith("*/", StringComparison.Ordinal))
            {
                problems.Add($"line {Line(text, open)}: comment not closed with '*/' before '}}}}'");
            }

            position = close + 2;
        }

        problems.AddRange(stack.Select(b => $"line {b.Line}: '{b.Keyword}' has no 'end'"));
        return problems;
    }

    /// <summary>The body of <c>{{- define "name" -}} ... {{- end }}</c> (no nested blocks allowed inside).</summary>
    public static string Define(string text, string name)
    {
        var start = Regex.Match(text, @"\{\{-?\s*define\s+""" + Regex.Escape(name) + @"""\s*-?\}\}");
        Assert.True(start.Success, $"no define \"{name}\"");
        var end = text.IndexOf("{{- end }}", start.Index + start.Length, StringComparison.Ordinal);
        Assert.True(end > 0, $"define \"{name}\" has no end");
        var body = text[(start.Index + start.Length)..end];
        Assert.DoesNotContain("{{", body, StringComparison.Ordinal);
        return body;
    }

    /// <summary>Every <c>.Values.a.b</c> path referenced (also <c>$.Values.a.b</c>).</summary>
    public static IEnumerable<string> ValuePaths(string text) =>
        ValuePath().Matches(text).Select(m => m.Groups[1].Value);

    private static int Line(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"^[a-z]+")]
    private static partial Regex Keyword();

    [GeneratedRegex(@"\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex ValuePath();
}
