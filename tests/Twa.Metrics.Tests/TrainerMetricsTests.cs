using Twa.Metrics;

namespace Twa.Metrics.Tests;

public sealed class TrainerMetricsTests
{
    [Fact]
    public void Registry_HasExactlyTheDesignedNamesAndTypes()
    {
        var m = new TrainerMetrics();
        var families = m.Registry.Families.ToDictionary(f => f.Name, f => (f.Type, Labels: string.Join(",", f.LabelNames)));
        var expected = new Dictionary<string, (MetricType, string)>
        {
            ["twa_basis_shard_bytes"] = (MetricType.Gauge, ""),
            ["twa_device_memory_bytes"] = (MetricType.Gauge, "kind"),
            ["twa_projection_seconds"] = (MetricType.Histogram, ""),
            ["twa_collective_seconds"] = (MetricType.Histogram, "op"),
            ["twa_collective_bytes_total"] = (MetricType.Counter, "op"),
            ["twa_step_seconds"] = (MetricType.Histogram, ""),
            ["twa_samples_total"] = (MetricType.Counter, ""),
            ["twa_loss"] = (MetricType.Gauge, ""),
            ["twa_accuracy"] = (MetricType.Gauge, "split"),
            ["twa_generation"] = (MetricType.Gauge, ""),
            ["twa_world_size"] = (MetricType.Gauge, ""),
            ["twa_rank"] = (MetricType.Gauge, ""),
            ["twa_restarts_total"] = (MetricType.Counter, ""),
            ["twa_last_commit_timestamp_seconds"] = (MetricType.Gauge, ""),
            ["twa_build_info"] = (MetricType.Gauge, "version,torch,cuda"),
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray(), families.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Helpers_UpdateTheRightSeries()
    {
        var m = new TrainerMetrics();
        m.ObserveCollective("allreduce", 0.002, 4096);
        m.ObserveCollective("allreduce", 0.003, 4096);
        m.SetMembership(generation: 7, worldSize: 3, rank: 2);
        m.SetDeviceMemory(allocated: 10, reserved: 20, total: 30);
        m.SetBuildInfo("1.0.0", "2.1.0", "none");
        var text = m.Registry.Export();
        Assert.Contains("twa_collective_bytes_total{op=\"allreduce\"} 8192\n", text, StringComparison.Ordinal);
        Assert.Contains("twa_collective_seconds_count{op=\"allreduce\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("twa_generation 7\n", text, StringComparison.Ordinal);
        Assert.Contains("twa_world_size 3\n", text, StringComparison.Ordinal);
        Assert.Contains("twa_rank 2\n", text, StringComparison.Ordinal);
        Assert.Contains("twa_device_memory_bytes{kind=\"reserved\"} 20\n", text, StringComparison.Ordinal);
        Assert.Contains("twa_build_info{version=\"1.0.0\",torch=\"2.1.0\",cuda=\"none\"} 1\n", text, StringComparison.Ordinal);
    }
}
