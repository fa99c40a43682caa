namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ContainerStateWaiting (e.g. reason ImagePullBackOff, CrashLoopBackOff).</summary>
public sealed class V1ContainerStateWaiting
{
    public string? Reason { get; set; }

    public string? Message { get; set; }
}
