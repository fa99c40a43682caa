namespace Twa.Kubernetes.Models;

/// <summary>core/v1 PodCondition (Ready, PodScheduled, DisruptionTarget, ...).</summary>
public sealed class V1PodCondition
{
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    public string Status { get; set; } = "";

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public DateTimeOffset? LastProbeTime { get; set; }

    public DateTimeOffset? LastTransitionTime { get; set; }
}
