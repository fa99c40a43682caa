using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>spec.elastic</c>: the range the world size may move in and the timeouts of reconfiguration.
/// Without it a job is fixed-size (min = max = <c>spec.replicas</c>).</summary>
public sealed record ElasticSpec
{
    public const int MaxReplicasLimit = 256;

    /// <summary>Training runs only with at least this many members.</summary>
    [Required, Range(Minimum = 1, Maximum = MaxReplicasLimit)]
    public int MinReplicas { get; init; }

    /// <summary>Upper bound of spec.replicas (at most 256, which bounds the membership record and status).</summary>
    [Required, Range(Minimum = 1, Maximum = MaxReplicasLimit)]
    public int MaxReplicas { get; init; }

    /// <summary>Minimum gap between planned generations (scale up/down), in seconds; failures bypass it.</summary>
    [Range(Minimum = 0)]
    public int ScaleCooldownSeconds { get; init; } = 120;

    /// <summary>A scale-up pod Pending longer than this many seconds is deleted (ScalingLimited/PodsUnschedulable).</summary>
    [Range(Minimum = 1)]
    public int PendingTimeoutSeconds { get; init; } = 600;

    /// <summary>Members not Ready in a generation after this many seconds are treated as failed.</summary>
    [Range(Minimum = 1)]
    public int RendezvousTimeoutSeconds { get; init; } = 300;

    /// <summary>Below minReplicas longer than this many seconds fails the job (MinReplicasUnavailable); 0 = wait forever.</summary>
    [Range(Minimum = 0)]
    public int MinReplicasTimeoutSeconds { get; init; } = 1800;

    /// <summary>Timeout of one collective operation, in seconds, so that a dead peer surfaces in minutes.</summary>
    [Range(Minimum = 1)]
    public int CollectiveTimeoutSeconds { get; init; } = 300;
}
