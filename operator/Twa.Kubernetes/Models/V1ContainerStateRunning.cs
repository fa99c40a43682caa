namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ContainerStateRunning.</summary>
public sealed class V1ContainerStateRunning
{
    public DateTimeOffset? StartedAt { get; set; }
}
