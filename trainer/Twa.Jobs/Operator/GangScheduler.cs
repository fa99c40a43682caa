using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>Gang scheduling backend; only None is implemented at first (OPERATOR.md section 10).</summary>
[KubernetesEnum]
public enum GangScheduler { None, SchedulerPlugins, Volcano }
