using System.Text.Json.Nodes;

namespace Twa.Kubernetes.Models;

/// <summary>core/v1 Service; spec and status are pass-through JSON (the operator builds them and applies them whole).</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Service", PluralName = "services")]
public sealed class V1Service : KubernetesObject
{
    public JsonObject? Spec { get; set; }

    public JsonObject? Status { get; set; }
}
