using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>status.membership</c>: a summary of the membership record the operator published to Redis.</summary>
public sealed record MembershipStatus
{
    /// <summary>Monotonic membership generation.</summary>
    [Range(Minimum = 0)]
    public long Generation { get; init; }

    /// <summary>Number of ranks in the generation.</summary>
    [Range(Minimum = 0)]
    public int WorldSize { get; init; }

    /// <summary>host:port of the generation's c10d store.</summary>
    public string? StoreEndpoint { get; init; }

    /// <summary>Why the generation was published (ScaleUp, ScaleDown, MemberFailed, ...).</summary>
    public string? Reason { get; init; }

    /// <summary>When the generation was published.</summary>
    [Format("date-time")]
    public DateTimeOffset? PublishedTime { get; init; }

    /// <summary>When all members of the generation were Ready.</summary>
    [Format("date-time")]
    public DateTimeOffset? ReadyTime { get; init; }
}
