using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>A condition in the shape of Kubernetes' <c>metav1.Condition</c> (status.conditions is a list-map
/// keyed by <see cref="Type"/>).</summary>
public sealed record V1Condition
{
    /// <summary>Condition type: Running, Reconfiguring, ScalingLimited, Suspended, Succeeded or Failed.</summary>
    [Required, MaxLength(316)]
    public string Type { get; init; } = "";

    /// <summary>True, False or Unknown.</summary>
    [Required]
    public ConditionStatus Status { get; init; } = ConditionStatus.Unknown;

    /// <summary>metadata.generation the condition was set for.</summary>
    [Range(Minimum = 0)]
    public long? ObservedGeneration { get; init; }

    /// <summary>When the status last changed.</summary>
    [Required, Format("date-time")]
    public DateTimeOffset LastTransitionTime { get; init; }

    /// <summary>CamelCase reason of the last transition (also the Event reason).</summary>
    [Required, MaxLength(1024)]
    public string Reason { get; init; } = "";

    /// <summary>Human-readable details.</summary>
    [Required, MaxLength(32768)]
    public string Message { get; init; } = "";
}
