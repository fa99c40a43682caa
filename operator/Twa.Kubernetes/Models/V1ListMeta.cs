namespace Twa.Kubernetes.Models;

/// <summary>metav1.ListMeta: the collection's resourceVersion (to start a watch from) and the paging token.</summary>
public sealed class V1ListMeta
{
    public string? ResourceVersion { get; set; }

    public string? Continue { get; set; }

    public long? RemainingItemCount { get; set; }
}
