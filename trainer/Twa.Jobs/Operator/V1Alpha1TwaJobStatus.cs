using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>status</c> of a TwaJob, written only by the operator through the /status subresource.</summary>
public sealed record V1Alpha1TwaJobStatus
{
    public const int MaxConditions = 8;

    /// <summary>metadata.generation this status reflects.</summary>
    [Range(Minimum = 0)]
    public long? ObservedGeneration { get; init; }

    /// <summary>Running, Reconfiguring, ScalingLimited, Suspended, Succeeded, Failed (see <see cref="TwaJobConditions"/>).</summary>
    [ListType("map", "type"), MaxItems(MaxConditions)]
    public V1Condition[] Conditions { get; init; } = [];

    /// <summary>Non-terminal worker pods (the scale subresource's status replicas).</summary>
    [Range(Minimum = 0)]
    public int Replicas { get; init; }

    /// <summary>Worker pods Ready, i.e. joined the current generation.</summary>
    [Range(Minimum = 0)]
    public int ReadyReplicas { get; init; }

    /// <summary>Label selector of the worker pods (the scale subresource's selector).</summary>
    public string? Selector { get; init; }

    public MembershipStatus? Membership { get; init; }

    public RestartsStatus? Restarts { get; init; }

    /// <summary>When the job started running (reset on resume).</summary>
    [Format("date-time")]
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>When the job succeeded or failed.</summary>
    [Format("date-time")]
    public DateTimeOffset? CompletionTime { get; init; }

    public JobResultStatus? Result { get; init; }
}
