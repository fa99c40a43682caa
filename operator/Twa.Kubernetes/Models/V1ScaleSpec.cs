namespace Twa.Kubernetes.Models;

/// <summary>autoscaling/v1 ScaleSpec.</summary>
public sealed class V1ScaleSpec
{
    public int? Replicas { get; set; }
}
