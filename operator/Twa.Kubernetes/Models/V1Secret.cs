namespace Twa.Kubernetes.Models;

/// <summary>core/v1 Secret; <see cref="Data"/> values are raw bytes (base64 on the wire).</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Secret", PluralName = "secrets")]
public sealed class V1Secret : KubernetesObject
{
    public IDictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only convenience: merged into <see cref="Data"/> by the server.</summary>
    public IDictionary<string, string>? StringData { get; set; }

    public string? Type { get; set; }

    public bool? Immutable { get; set; }
}
