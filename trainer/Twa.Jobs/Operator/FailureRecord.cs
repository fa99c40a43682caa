using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>status.restarts.lastFailure</c>: the last failure that was counted or ignored.</summary>
public sealed record FailureRecord
{
    [Format("date-time")]
    public DateTimeOffset? Time { get; init; }

    /// <summary>Name of the failed pod.</summary>
    public string? Pod { get; init; }

    /// <summary>Node the pod ran on.</summary>
    public string? Node { get; init; }

    /// <summary>Classification reason (e.g. the matched rule or the pod's reason).</summary>
    public string? Reason { get; init; }

    /// <summary>Exit code of the trainer container, when it terminated.</summary>
    public int? ExitCode { get; init; }
}
