using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>One entry of a pod's <c>status.conditions</c> (Ready, DisruptionTarget, PodScheduled, ...).</summary>
public sealed record ObservedPodCondition(string Type, ConditionStatus Status, DateTimeOffset? LastTransitionTime = null, string? Reason = null);
