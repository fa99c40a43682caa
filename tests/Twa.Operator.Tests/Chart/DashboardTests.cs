using System.Text.Json.Nodes;

namespace Twa.Operator.Tests.Chart;

public sealed class DashboardTests
{
    public static TheoryData<string> Files() => [.. DashboardQueries.DashboardFiles.Select(f => Path.GetFileName(f))];

    private static JsonObject Load(string file) =>
        JsonNode.Parse(File.ReadAllText(DashboardQueries.DashboardFiles.Single(f => Path.GetFileName(f) == file)))!.AsObject();

    [Theory]
    [MemberData(nameof(Files))]
    public void Dashboard_Json_HasTitlePanelsAndADatasourceVariableWithoutFixedUid(string file)
    {
        var d = Load(file);
        Assert.StartsWith("TWA / ", (string?)d["title"], StringComparison.Ordinal);
        Assert.Null(d["uid"]);
        Assert.Contains(d["templating"]!["list"]!.AsArray(), v => (string?)v!["name"] == "datasource" && (string?)v["type"] == "datasource");
        var panels = d["panels"]!.AsArray().Where(p => (string?)p!["type"] != "row").ToList();
        Assert.True(panels.Count >= 6, $"{file}: only {panels.Count} panels");
        Assert.All(panels, p => Assert.Equal("${datasource}", (string?)p!["datasource"]!["uid"]));
        Assert.All(panels, p => Assert.NotEmpty(p!["targets"]!.AsArray()));
        var ids = d["panels"]!.AsArray().Select(p => (int)p!["id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Dashboard_Expressions_UseOnlyOperatorMdMetricNames(string file)
    {
        var exprs = DashboardQueries.Expressions(Load(file)).ToList();
        Assert.NotEmpty(exprs);
        foreach (var expr in exprs)
        {
            var names = DashboardQueries.MetricNames(expr).ToList();
            Assert.True(names.Count > 0, $"{file}: '{expr}' queries none of our metrics");
            foreach (var name in names)
            {
                var family = DashboardQueries.Histograms.FirstOrDefault(h => name is var n && (n == h + "_bucket" || n == h + "_sum" || n == h + "_count"));
                Assert.True(family is not null || (DashboardQueries.KnownMetrics.Contains(name) && !DashboardQueries.Histograms.Contains(name)),
                    $"{file}: '{name}' in '{expr}' is not a metric of OPERATOR.md section 6 (histograms are queried as _bucket/_sum/_count)");
            }
        }
    }

    [Fact]
    public void Dashboards_TogetherCoverFleetJobAndBalance()
    {
        var all = DashboardQueries.DashboardFiles.SelectMany(f => DashboardQueries.Expressions(JsonNode.Parse(File.ReadAllText(f)))).ToList();
        Assert.Contains(all, e => e.Contains("twa_jobs", StringComparison.Ordinal));
        Assert.Contains(all, e => e.Contains("controller_runtime_reconcile_total", StringComparison.Ordinal));
        Assert.Contains(all, e => e.Contains("twa_job_world_size", StringComparison.Ordinal));
        Assert.Contains(all, e => e.Contains("changes(twa_job_generation", StringComparison.Ordinal));
        Assert.Contains(all, e => e.Contains("twa_basis_shard_bytes", StringComparison.Ordinal));
        Assert.Contains(all, e => e.Contains("rate(twa_collective_seconds_sum", StringComparison.Ordinal) && e.Contains("rate(twa_step_seconds_sum", StringComparison.Ordinal));
        Assert.Contains(all, e => e.Contains("DCGM_FI_DEV_FB_USED", StringComparison.Ordinal));
    }
}
