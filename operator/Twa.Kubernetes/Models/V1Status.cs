namespace Twa.Kubernetes.Models;

/// <summary>metav1.Status: the error body of failed requests and of watch ERROR events.</summary>
public sealed class V1Status
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    /// <summary>Success or Failure.</summary>
    public string? Status { get; set; }

    public string? Message { get; set; }

    /// <summary>Machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, TooManyRequests, ...</summary>
    public string? Reason { get; set; }

    /// <summary>The HTTP status code this Status stands for (410 in a watch ERROR event means the resourceVersion expired).</summary>
    public int? Code { get; set; }

    public V1StatusDetails? Details { get; set; }
}
