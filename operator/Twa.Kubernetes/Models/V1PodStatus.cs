namespace Twa.Kubernetes.Models;

/// <summary>core/v1 PodStatus (the fields the operator reads).</summary>
public sealed class V1PodStatus
{
    /// <summary>Pending, Running, Succeeded, Failed or Unknown.</summary>
    public string? Phase { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public string? PodIP { get; set; }

    public string? HostIP { get; set; }

    public DateTimeOffset? StartTime { get; set; }

    public IList<V1PodCondition>? Conditions { get; set; }

    public IList<V1ContainerStatus>? ContainerStatuses { get; set; }

    public IList<V1ContainerStatus>? InitContainerStatuses { get; set; }
}
