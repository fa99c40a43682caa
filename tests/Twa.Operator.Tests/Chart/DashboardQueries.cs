using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Chart;

/// <summary>The PromQL of the chart's Grafana dashboards, and the metric names OPERATOR.md section 6 defines.</summary>
internal static partial class DashboardQueries
{
    /// <summary>OPERATOR.md 6.1 (operator) and 6.2 (trainer, dcgm-exporter) metric names.</summary>
    public static IReadOnlySet<string> KnownMetrics { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total", "controller_runtime_reconcile_time_seconds",
        "controller_runtime_active_workers", "workqueue_depth", "workqueue_adds_total", "workqueue_retries_total",
        "workqueue_queue_duration_seconds", "workqueue_work_duration_seconds",
        "twa_operator_watch_restarts_total", "twa_operator_api_requests_total", "twa_operator_redis_operations_total",
        "twa_operator_leader", "twa_operator_build_info",
        "twa_job_desired_replicas", "twa_job_ready_replicas", "twa_job_world_size", "twa_job_generation", "twa_job_condition",
        "twa_job_failure_restarts_total", "twa_job_reconfigurations_total", "twa_job_reconfiguration_seconds",
        "twa_job_restart_budget_remaining", "twa_job_pending_pods", "twa_jobs",
        "twa_basis_shard_bytes", "twa_device_memory_bytes", "twa_projection_seconds", "twa_collective_seconds",
        "twa_collective_bytes_total", "twa_step_seconds", "twa_samples_total", "twa_loss", "twa_accuracy", "twa_generation",
        "twa_world_size", "twa_rank", "twa_restarts_total", "twa_last_commit_timestamp_seconds", "twa_build_info",
        "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_GPU_UTIL",
    };

    /// <summary>Histograms: their _bucket/_sum/_count series are the ones queried.</summary>
    public static IReadOnlySet<string> Histograms { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "controller_runtime_reconcile_time_seconds", "workqueue_queue_duration_seconds", "workqueue_work_duration_seconds",
        "twa_job_reconfiguration_seconds", "twa_projection_seconds", "twa_collective_seconds", "twa_step_seconds",
    };

    public static IReadOnlyList<string> DashboardFiles { get; } =
        [.. Directory.GetFiles(Repo.File("charts/twa-operator/dashboards"), "*.json").Order(StringComparer.Ordinal)];

    /// <summary>Every <c>expr</c> (panel targets and annotations) of <paramref name="dashboard"/>.</summary>
    public static IEnumerable<string> Expressions(JsonNode? dashboard) => dashboard switch
    {
        JsonObject o => o.SelectMany(kv => kv.Key == "expr" && kv.Value is JsonValue v ? [(string)v!] : Expressions(kv.Value)),
        JsonArray a => a.SelectMany(Expressions),
        _ => [],
    };

    /// <summary>The expression as Grafana sends it to Prometheus: interval variables replaced by durations
    /// (<c>$namespace</c>-style variables only occur inside label matcher strings, which PromQL accepts as-is).</summary>
    public static string AsSent(string expr) => expr
        .Replace("$__rate_interval", "5m", StringComparison.Ordinal)
        .Replace("$__interval", "1m", StringComparison.Ordinal)
        .Replace("$__range", "6h", StringComparison.Ordinal);

    /// <summary>Metric-like identifiers of the families we own or join (twa_*, controller_runtime_*, workqueue_*, DCGM_*).</summary>
    public static IEnumerable<string> MetricNames(string expr) =>
        MetricToken().Matches(expr).Select(m => m.Value);

    [GeneratedRegex(@"\b(?:twa_|controller_runtime_|workqueue_|DCGM_)[A-Za-z0-9_]*")]
    private static partial Regex MetricToken();
}
