using Twa.Jobs.Operator;
using Twa.Metrics;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>
/// The operator's series (OPERATOR.md 6.1): controller-runtime and workqueue names so stock dashboards work, the
/// operator's own counters and the per-job series (labels <c>namespace</c>, <c>twajob</c>; removed with the job).
/// One instance per process, exported by <see cref="Registry"/>. Thread-safe.
/// </summary>
public sealed class OperatorMetrics
{
    public const string Controller = "twajob";

    private static readonly IReadOnlyList<double> s_durationBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly string[] s_jobLabels = ["namespace", "twajob"];

    public OperatorMetrics(string version)
    {
        Registry = new MetricsRegistry();
        var r = Registry;
        ReconcileTotal = r.CreateCounter("controller_runtime_reconcile_total", "Total number of reconciliations per controller and result.", "controller", "result");
        ReconcileErrors = r.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller.", "controller");
        ReconcileTime = r.CreateHistogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller.", s_durationBuckets, "controller");
        ActiveWorkers = r.CreateGauge("controller_runtime_active_workers", "Number of currently used workers per controller.", "controller");
        QueueDepth = r.CreateGauge("workqueue_depth", "Current depth of workqueue.", "name", "controller");
        QueueAdds = r.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue.", "name", "controller");
        QueueRetries = r.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue.", "name", "controller");
        QueueDuration = r.CreateHistogram("workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested.", s_durationBuckets, "name", "controller");
        WorkDuration = r.CreateHistogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.", s_durationBuckets, "name", "controller");
        WatchRestarts = r.CreateCounter("twa_operator_watch_restarts_total", "Watch streams re-opened (server timeout, dropped connection, 410 Expired, error), per resource.", "resource");
        ApiRequests = r.CreateCounter("twa_operator_api_requests_total", "Kubernetes API requests by verb, resource and HTTP status code (0 = no response).", "verb", "resource", "code");
        RedisOperations = r.CreateCounter("twa_operator_redis_operations_total", "Redis operations by operation and outcome.", "op", "outcome");
        Leader = r.CreateGauge("twa_operator_leader", "1 while this replica holds the twa-operator Lease.");
        BuildInfo = r.CreateGauge("twa_operator_build_info", "Build information; always 1.", "version");
        BuildInfo.WithLabels(version).Set(1);
        Leader.Set(0);
        ActiveWorkers.WithLabels(Controller).Set(0);
        QueueDepth.WithLabels(Controller, Controller).Set(0);

        DesiredReplicas = r.CreateGauge("twa_job_desired_replicas", "spec.replicas of the TwaJob.", s_jobLabels);
        ReadyReplicas = r.CreateGauge("twa_job_ready_replicas", "Ready members of the TwaJob.", s_jobLabels);
        WorldSize = r.CreateGauge("twa_job_world_size", "Members of the current membership generation.", s_jobLabels);
        Generation = r.CreateGauge("twa_job_generation", "Current membership generation.", s_jobLabels);
        JobCondition = r.CreateGauge("twa_job_condition", "1 for the status of each TwaJob condition, 0 for the others.", "namespace", "twajob", "type", "status");
        FailureRestarts = r.CreateCounter("twa_job_failure_restarts_total", "Member failures classified, by failure-policy action.", "namespace", "twajob", "action");
        Reconfigurations = r.CreateCounter("twa_job_reconfigurations_total", "Membership generations published, by trigger.", "namespace", "twajob", "trigger");
        ReconfigurationSeconds = r.CreateHistogram("twa_job_reconfiguration_seconds", "Time from publishing a generation to all members Ready.", [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600], s_jobLabels);
        RestartBudget = r.CreateGauge("twa_job_restart_budget_remaining", "maxRestarts minus failure restarts.", s_jobLabels);
        PendingPods = r.CreateGauge("twa_job_pending_pods", "Pods of the TwaJob in phase Pending.", s_jobLabels);
        Jobs = r.CreateGauge("twa_jobs", "TwaJobs by state.", "state");
    }

    public MetricsRegistry Registry { get; }

    public Counter ReconcileTotal { get; }

    public Counter ReconcileErrors { get; }

    public Histogram ReconcileTime { get; }

    public Gauge ActiveWorkers { get; }

    public Gauge QueueDepth { get; }

    public Counter QueueAdds { get; }

    public Counter QueueRetries { get; }

    public Histogram QueueDuration { get; }

    public Histogram WorkDuration { get; }

    public Counter WatchRestarts { get; }

    public Counter ApiRequests { get; }

    public Counter RedisOperations { get; }

    public Gauge Leader { get; }

    public Gauge BuildInfo { get; }

    public Gauge DesiredReplicas { get; }

    public Gauge ReadyReplicas { get; }

    public Gauge WorldSize { get; }

    public Gauge Generation { get; }

    public Gauge JobCondition { get; }

    public Counter FailureRestarts { get; }

    public Counter Reconfigurations { get; }

    public Histogram ReconfigurationSeconds { get; }

    public Gauge RestartBudget { get; }

    public Gauge PendingPods { get; }

    public Gauge Jobs { get; }

    /// <summary>Sets the per-job series from a reconcile whose actions were all carried out.</summary>
    public void Record(string ns, string job, JobMetricsSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        DesiredReplicas.WithLabels(ns, job).Set(sample.DesiredReplicas);
        ReadyReplicas.WithLabels(ns, job).Set(sample.ReadyReplicas);
        WorldSize.WithLabels(ns, job).Set(sample.WorldSize);
        Generation.WithLabels(ns, job).Set(sample.Generation);
        PendingPods.WithLabels(ns, job).Set(sample.PendingPods);
        RestartBudget.WithLabels(ns, job).Set(sample.RestartBudgetRemaining);
        foreach (var (type, status) in sample.Conditions)
        {
            foreach (var s in (ReadOnlySpan<ConditionStatus>)[ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown])
            {
                JobCondition.WithLabels(ns, job, type, s.ToString()).Set(s == status ? 1 : 0);
            }
        }

        foreach (var action in sample.ClassifiedFailures)
        {
            FailureRestarts.WithLabels(ns, job, action.ToString()).Inc();
        }

        if (sample.ReconfigurationTrigger is { } trigger)
        {
            Reconfigurations.WithLabels(ns, job, trigger).Inc();
        }

        if (sample.ReconfigurationSeconds is { } seconds)
        {
            ReconfigurationSeconds.WithLabels(ns, job).Observe(seconds);
        }
    }

    /// <summary>Brings <see cref="ApiRequests"/> up to the client's request counts (called before each export).</summary>
    public void SyncApiRequests(IEnumerable<Twa.Kubernetes.Client.KubernetesRequestCount> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        lock (ApiRequests)
        {
            foreach (var c in counts)
            {
                var series = ApiRequests.WithLabels(c.Verb, c.Resource, c.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (c.Count > series.Value)
                {
                    series.Inc(c.Count - series.Value);
                }
            }
        }
    }

    /// <summary>Deletes every series of the job (it is gone).</summary>
    public void Drop(string ns, string job) =>
        Registry.RemoveSeries(new Dictionary<string, string>(StringComparer.Ordinal) { ["namespace"] = ns, ["twajob"] = job });
}
