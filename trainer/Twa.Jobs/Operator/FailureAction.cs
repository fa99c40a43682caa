using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>What a matching failure-policy rule does: ignore the failure (no budget used), count it against
/// <c>maxRestarts</c>, or fail the job at once.</summary>
[KubernetesEnum]
public enum FailureAction { Ignore, Count, FailJob }
