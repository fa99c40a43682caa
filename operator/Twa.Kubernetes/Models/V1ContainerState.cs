namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ContainerState: at most one of the three members is set.</summary>
public sealed class V1ContainerState
{
    public V1ContainerStateWaiting? Waiting { get; set; }

    public V1ContainerStateRunning? Running { get; set; }

    public V1ContainerStateTerminated? Terminated { get; set; }
}
