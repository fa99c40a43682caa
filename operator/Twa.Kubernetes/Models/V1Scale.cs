namespace Twa.Kubernetes.Models;

/// <summary>autoscaling/v1 Scale, the body of the <c>/scale</c> subresource. Not a standalone resource: address it through the owning resource.</summary>
[KubernetesEntity(Group = "autoscaling", ApiVersion = "v1", Kind = "Scale", PluralName = "scale")]
public sealed class V1Scale : KubernetesObject
{
    public V1ScaleSpec Spec { get; set; } = new();

    public V1ScaleStatus Status { get; set; } = new();
}
