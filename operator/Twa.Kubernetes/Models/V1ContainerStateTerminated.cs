namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ContainerStateTerminated; <see cref="Message"/> carries the termination message (at most 4096 bytes).</summary>
public sealed class V1ContainerStateTerminated
{
    public int ExitCode { get; set; }

    public int? Signal { get; set; }

    public string? Reason { get; set; }

    public string? Message { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string? ContainerID { get; set; }
}
