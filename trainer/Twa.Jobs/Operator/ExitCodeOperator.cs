using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>How <see cref="ExitCodesMatch.Values"/> is applied: the exit code is in the list or not in it.</summary>
[KubernetesEnum]
public enum ExitCodeOperator { In, NotIn }
