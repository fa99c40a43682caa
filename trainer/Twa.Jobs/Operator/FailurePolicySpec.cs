using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>spec.failurePolicy</c>: how pod failures are classified and how many failure-triggered
/// reconfigurations the job may use (planned ones are free).</summary>
public sealed record FailurePolicySpec
{
    public const int MaxRules = 16;

    /// <summary>Exit code with which a worker reports a non-retryable error (bad spec, shard does not fit).</summary>
    public const int NonRetryableExitCode = 3;

    /// <summary>The rules applied when <c>rules</c> is omitted: Ignore DisruptionTarget, FailJob on exit 3.</summary>
    public static IReadOnlyList<FailurePolicyRule> DefaultRules { get; } =
    [
        new() { Action = FailureAction.Ignore, OnPodConditions = [new() { Type = "DisruptionTarget" }] },
        new() { Action = FailureAction.FailJob, OnExitCodes = new() { Operator = ExitCodeOperator.In, Values = [NonRetryableExitCode] } },
    ];

    /// <summary>Failure-triggered generations allowed before the job fails (RestartBudgetExceeded).</summary>
    [Range(Minimum = 0)]
    public int MaxRestarts { get; init; } = 10;

    /// <summary>Classification rules, first match wins; an unmatched failure is counted.</summary>
    [MaxItems(MaxRules)]
    public FailurePolicyRule[] Rules { get; init; } = [.. DefaultRules];

    /// <summary>Delay before a replacement pod, in seconds; doubles per counted failure.</summary>
    [Range(Minimum = 0)]
    public int BackoffSeconds { get; init; } = 10;

    /// <summary>Upper bound of the doubling replacement delay, in seconds.</summary>
    [Range(Minimum = 0)]
    public int MaxBackoffSeconds { get; init; } = 300;

    /// <summary>A member NotReady or Unknown this many seconds (e.g. its node was lost) counts as failed.</summary>
    [Range(Minimum = 1)]
    public int MemberLostTimeoutSeconds { get; init; } = 60;
}
