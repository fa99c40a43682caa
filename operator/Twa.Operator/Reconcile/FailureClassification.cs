using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>How a lost pod is treated: the action of the first matching failure-policy rule (Count when none
/// matched) and a description naming what matched, for <c>lastFailure.reason</c>, conditions and Events.</summary>
public sealed record FailureClassification(FailureAction Action, string Description, int? ExitCode);
