using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>status.restarts</c>: the durable restart budget. Counting is idempotent by pod UID: a UID in
/// <see cref="CountedPodUIDs"/> is never counted twice (a ring of the last 32).</summary>
public sealed record RestartsStatus
{
    public const int MaxCountedPodUids = 32;

    /// <summary>Failure-triggered generations so far (compared with failurePolicy.maxRestarts).</summary>
    [Range(Minimum = 0)]
    public int FailureRestarts { get; init; }

    /// <summary>Planned generations so far (scale up/down, rejoin, resume); free.</summary>
    [Range(Minimum = 0)]
    public int PlannedReconfigurations { get; init; }

    public FailureRecord? LastFailure { get; init; }

    /// <summary>UIDs of the pods whose failure was already classified (most recent last).</summary>
    [MaxItems(MaxCountedPodUids), ListType("set")]
    public string[] CountedPodUIDs { get; init; } = [];

    /// <summary>Earliest time the next replacement pod may be created (backoff).</summary>
    [Format("date-time")]
    public DateTimeOffset? NextReplacementTime { get; init; }
}
