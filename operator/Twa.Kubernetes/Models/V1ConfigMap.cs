namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ConfigMap.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "ConfigMap", PluralName = "configmaps")]
public sealed class V1ConfigMap : KubernetesObject
{
    public IDictionary<string, string>? Data { get; set; }

    /// <summary>Binary values; base64 on the wire.</summary>
    public IDictionary<string, byte[]>? BinaryData { get; set; }

    public bool? Immutable { get; set; }
}
