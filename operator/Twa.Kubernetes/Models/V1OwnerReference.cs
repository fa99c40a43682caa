namespace Twa.Kubernetes.Models;

/// <summary>metav1.OwnerReference: the owner must be in the same namespace; <see cref="Controller"/> marks the managing controller.</summary>
public sealed class V1OwnerReference
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uid { get; set; } = "";

    public bool? Controller { get; set; }

    public bool? BlockOwnerDeletion { get; set; }
}
