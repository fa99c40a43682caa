namespace Twa.Kubernetes.Models;

/// <summary>metav1.StatusCause (e.g. the field a 422 Invalid complains about).</summary>
public sealed class V1StatusCause
{
    public string? Reason { get; set; }

    public string? Message { get; set; }

    public string? Field { get; set; }
}
