using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs;

/// <summary>Desired state of a TwaJob: the training recipe (<see cref="Training"/>, shared with `twa train`) and how
/// the operator runs it (replicas, elastic range, Redis, failure and run policies, scheduling, pod template).</summary>
/// <remarks>`twa train` ignores the operator-owned fields (OPERATOR.md section 2.2) except <see cref="Replicas"/>,
/// its default number of local workers.</remarks>
[ValidationRule("!has(self.elastic) || self.elastic.minReplicas <= self.elastic.maxReplicas",
    "elastic.minReplicas must be <= elastic.maxReplicas")]
[ValidationRule("!has(self.elastic) || self.replicas == 0 || (self.replicas >= self.elastic.minReplicas && self.replicas <= self.elastic.maxReplicas)",
    "replicas must be within [elastic.minReplicas, elastic.maxReplicas] (or 0 to suspend)")]
[ValidationRule("(has(oldSelf.runPolicy) && has(oldSelf.runPolicy.suspend) && oldSelf.runPolicy.suspend) || self.training == oldSelf.training",
    "training can only be changed while the job is suspended (runPolicy.suspend: true)")]
public sealed record TwaJobSpec
{
    /// <summary>Desired number of workers (the scale subresource's target); 0 behaves like suspend. Locally: the
    /// default number of worker processes.</summary>
    [Range(Minimum = 0, Maximum = ElasticSpec.MaxReplicasLimit)]
    public int Replicas { get; init; } = 1;

    /// <summary>The training recipe (model, data, phases), shared with twa train and relayed to the workers unchanged.</summary>
    [Required]
    public TrainingSpec Training { get; init; } = new();

    /// <summary>Elastic range; unset = fixed size (min = max = replicas).</summary>
    public ElasticSpec? Elastic { get; init; }

    /// <summary>The Redis store; unset = the Redis installed by the operator's Helm chart.</summary>
    public RedisSpec? Redis { get; init; }

    public FailurePolicySpec FailurePolicy { get; init; } = new();

    public RunPolicySpec RunPolicy { get; init; } = new();

    public SchedulingSpec Scheduling { get; init; } = new();

    public MonitoringSpec Monitoring { get; init; } = new();

    /// <summary>PodTemplateSpec of a worker, relayed as-is; needs a container named trainer, restartPolicy unset or
    /// Never, no hostname/subdomain. Unset = the operator's default trainer image.</summary>
    [PreserveUnknownFields]
    public JsonObject? Template { get; init; }
}
