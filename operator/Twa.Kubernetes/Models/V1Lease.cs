namespace Twa.Kubernetes.Models;

/// <summary>coordination.k8s.io/v1 Lease (leader election lock).</summary>
[KubernetesEntity(Group = "coordination.k8s.io", ApiVersion = "v1", Kind = "Lease", PluralName = "leases")]
public sealed class V1Lease : KubernetesObject
{
    public V1LeaseSpec Spec { get; set; } = new();
}
