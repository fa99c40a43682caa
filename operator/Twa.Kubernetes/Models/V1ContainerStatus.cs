namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ContainerStatus.</summary>
public sealed class V1ContainerStatus
{
    public string Name { get; set; } = "";

    public bool Ready { get; set; }

    public bool? Started { get; set; }

    public int RestartCount { get; set; }

    public string? Image { get; set; }

    public string? ImageID { get; set; }

    public string? ContainerID { get; set; }

    public V1ContainerState? State { get; set; }

    public V1ContainerState? LastState { get; set; }
}
