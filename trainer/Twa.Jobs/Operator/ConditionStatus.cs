using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>Status of a Kubernetes condition.</summary>
[KubernetesEnum]
public enum ConditionStatus { True, False, Unknown }
