using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>spec.runPolicy</c>: suspend, deadlines and what is kept after the job finished.</summary>
public sealed record RunPolicySpec
{
    /// <summary>Suspended jobs keep their state in Redis but run no pods; resuming rolls all pods.</summary>
    public bool Suspend { get; init; }

    /// <summary>Seconds from status.startTime (reset on resume) after which the job fails (DeadlineExceeded).</summary>
    [Range(Minimum = 1)]
    public long? ActiveDeadlineSeconds { get; init; }

    /// <summary>Seconds after the job finished at which the TwaJob is deleted; unset = kept.</summary>
    [Range(Minimum = 0)]
    public int? TtlSecondsAfterFinished { get; init; }

    /// <summary>Pods deleted when the job finished: All, Running or None.</summary>
    public CleanPodPolicy CleanPodPolicy { get; init; } = CleanPodPolicy.Running;

    /// <summary>Failed pods kept for kubectl logs; older ones are deleted.</summary>
    [Range(Minimum = 0)]
    public int FailedPodHistoryLimit { get; init; } = 3;
}
