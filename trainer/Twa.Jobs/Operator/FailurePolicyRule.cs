using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>One rule of <c>spec.failurePolicy.rules</c>; it matches on exactly one of <see cref="OnExitCodes"/>
/// or <see cref="OnPodConditions"/>. The first matching rule wins; an unmatched failure is counted.</summary>
[ValidationRule("has(self.onExitCodes) != has(self.onPodConditions)", "give exactly one of onExitCodes or onPodConditions")]
public sealed record FailurePolicyRule
{
    public const int MaxPodConditions = 20;

    /// <summary>Ignore (no restart budget used), Count (uses one restart) or FailJob (terminal).</summary>
    [Required]
    public FailureAction Action { get; init; } = FailureAction.Count;

    /// <summary>Matches a container's exit code.</summary>
    public ExitCodesMatch? OnExitCodes { get; init; }

    /// <summary>Matches when the pod has any of these conditions.</summary>
    [MaxItems(MaxPodConditions)]
    public PodConditionMatch[]? OnPodConditions { get; init; }
}
