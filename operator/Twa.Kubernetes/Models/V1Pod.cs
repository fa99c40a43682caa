using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Models;

/// <summary>core/v1 Pod. The spec is a pass-through <see cref="JsonObject"/> (the operator relays the user's pod template untouched); the status is typed.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Pod", PluralName = "pods")]
public sealed class V1Pod : KubernetesObject
{
    public JsonObject? Spec { get; set; }

    public V1PodStatus? Status { get; set; }
}
