using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>spec.scheduling</c>: copied onto the worker pods.</summary>
public sealed record SchedulingSpec
{
    /// <summary>Scheduler that places the pods; unset = the default scheduler.</summary>
    [MaxLength(253)]
    public string? SchedulerName { get; init; }

    /// <summary>PriorityClass of the pods.</summary>
    [MaxLength(253)]
    public string? PriorityClassName { get; init; }

    /// <summary>Gang scheduling (a PodGroup with minMember = minReplicas): None, SchedulerPlugins or Volcano.</summary>
    public GangScheduler Gang { get; init; } = GangScheduler.None;
}
