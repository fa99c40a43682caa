using System.Text.RegularExpressions;

namespace Twa.Operator.Tests.Support;

/// <summary>A Dockerfile read into stages of instructions (line continuations joined, comments dropped,
/// <c>ARG</c> defaults declared before the first <c>FROM</c> substituted into <c>FROM</c> lines).</summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            logical.Add((current + line).Trim());
            current = "";
        }

        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        foreach (var line in logical)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = line[..space].ToUpperInvariant();
            var rest = line[(space + 1)..].Trim();
            if (keyword == "ARG" && stages.Count == 0)
            {
                var eq = rest.IndexOf('=', StringComparison.Ordinal);
                args[eq < 0 ? rest : rest[..eq]] = eq < 0 ? "" : rest[(eq + 1)..];
                continue;
            }

            if (keyword == "FROM")
            {
                var expanded = Variable().Replace(rest, m => args.GetValueOrDefault(m.Groups[1].Value, m.Value));
                var parts = expanded.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stages.Add(new DockerStage(parts[0], parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null));
                continue;
            }

            Assert.True(stages.Count > 0, $"{path}: '{keyword}' before the first FROM");
            stages[^1].Instructions.Add((keyword, rest));
        }

        return new Dockerfile(stages);
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Variable();
}

/// <summary>One build stage: its base image, optional name and instructions in order.</summary>
internal sealed record DockerStage(string Image, string? Name)
{
    public List<(string Keyword, string Args)> Instructions { get; } = [];

    public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Args);
}
