using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>An <c>onPodConditions</c> item of a failure-policy rule: the failed pod carries this condition.</summary>
public sealed record PodConditionMatch
{
    /// <summary>Pod condition type, e.g. DisruptionTarget.</summary>
    [Required, MaxLength(316)]
    public string Type { get; init; } = "";

    /// <summary>Required status of the condition.</summary>
    public ConditionStatus Status { get; init; } = ConditionStatus.True;
}
