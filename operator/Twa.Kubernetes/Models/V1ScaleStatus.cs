namespace Twa.Kubernetes.Models;

/// <summary>autoscaling/v1 ScaleStatus: observed replicas and the label selector (string form) the HPA uses.</summary>
public sealed class V1ScaleStatus
{
    public int Replicas { get; set; }

    public string? Selector { get; set; }
}
