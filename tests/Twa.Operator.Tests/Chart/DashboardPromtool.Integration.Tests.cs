using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twa.Operator.Tests.Chart;

/// <summary>Every PromQL expression of the dashboards passes Prometheus' own parser: each becomes a recording rule
/// and <c>promtool check rules</c> must accept the file. promtool (Debian package <c>prometheus</c>, installed by
/// <c>make deps</c>) is required: without it the test fails rather than skipping.</summary>
public sealed class DashboardPromtoolIntegrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twa-promtool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task CheckRules_EveryDashboardExpression_ParsesInPromtool()
    {
        var exprs = new List<(string File, string Expr)>();
        foreach (var f in DashboardQueries.DashboardFiles)
        {
            exprs.AddRange(DashboardQueries.Expressions(JsonNode.Parse(await File.ReadAllTextAsync(f))).Select(e => (Path.GetFileName(f), e)));
        }

        Assert.True(exprs.Count >= 30, $"only {exprs.Count} expressions found");
        var (code, output) = await CheckAsync(exprs.Select(e => e.Expr));
        Assert.True(code == 0, $"promtool rejected a dashboard expression:\n{output}");
        Assert.Contains($"SUCCESS: {exprs.Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckRules_BrokenExpression_IsRejected()
    {
        var (code, output) = await CheckAsync(["sum by (le (rate(twa_step_seconds_bucket[5m]))"]);
        Assert.NotEqual(0, code);
        Assert.Contains("expr_0", output, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> CheckAsync(IEnumerable<string> exprs)
    {
        var promtool = File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";
        var rules = new StringBuilder("groups:\n  - name: twa-dashboards\n    rules:\n");
        var i = 0;
        foreach (var expr in exprs)
        {
            rules.Append("      - record: twa_dashboard:expr_").Append(i++).Append('\n')
                .Append("        expr: ").Append(JsonSerializer.Serialize(DashboardQueries.AsSent(expr))).Append('\n');
        }

        var path = Path.Combine(_dir, "rules.yml");
        await File.WriteAllTextAsync(path, rules.ToString());
        var start = new ProcessStartInfo(promtool, ["check", "rules", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"promtool not found ({e.Message}): install it with `apt-get install -y prometheus` (make deps does)");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
