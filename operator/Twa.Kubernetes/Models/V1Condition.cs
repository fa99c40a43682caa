namespace Twa.Kubernetes.Models;

/// <summary>metav1.Condition, as used in custom resource status (list keyed by <see cref="Type"/>).</summary>
public sealed class V1Condition
{
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    public string Status { get; set; } = "Unknown";

    /// <summary>The metadata.generation this condition was computed from.</summary>
    public long? ObservedGeneration { get; set; }

    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>CamelCase, required by the API.</summary>
    public string Reason { get; set; } = "";

    public string? Message { get; set; }
}
