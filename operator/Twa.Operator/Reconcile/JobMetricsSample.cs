using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>
/// The per-job series of OPERATOR.md 6.1 after one reconcile (labels <c>namespace</c>, <c>twajob</c>). Gauges are the
/// values to set; the counter deltas and the histogram observation are to be added only once the actions were carried
/// out (a failed status write means the next reconcile decides them again). Immutable.
/// </summary>
public sealed record JobMetricsSample
{
    /// <summary><c>twa_job_desired_replicas</c>: spec.replicas.</summary>
    public int DesiredReplicas { get; init; }

    /// <summary><c>twa_job_ready_replicas</c>.</summary>
    public int ReadyReplicas { get; init; }

    /// <summary><c>twa_job_world_size</c>: members of the current generation.</summary>
    public int WorldSize { get; init; }

    /// <summary><c>twa_job_generation</c>.</summary>
    public long Generation { get; init; }

    /// <summary><c>twa_job_pending_pods</c>: pods in phase Pending, not Terminating.</summary>
    public int PendingPods { get; init; }

    /// <summary><c>twa_job_restart_budget_remaining</c>: maxRestarts - failureRestarts, at least 0.</summary>
    public int RestartBudgetRemaining { get; init; }

    /// <summary><c>twa_job_condition{type,status}</c>: the status of each condition (1 for it, 0 for the others).</summary>
    public IReadOnlyDictionary<string, ConditionStatus> Conditions { get; init; } = new Dictionary<string, ConditionStatus>();

    /// <summary><c>twa_job_failure_restarts_total{action}</c> increments: one entry per failure classified now.</summary>
    public IReadOnlyList<FailureAction> ClassifiedFailures { get; init; } = [];

    /// <summary><c>twa_job_reconfigurations_total{trigger}</c> increment when a generation is published:
    /// scale_up, scale_down, failure, preemption or resume.</summary>
    public string? ReconfigurationTrigger { get; init; }

    /// <summary><c>twa_job_reconfiguration_seconds</c> observation: publish to all members Ready, when that happened now.</summary>
    public double? ReconfigurationSeconds { get; init; }
}
