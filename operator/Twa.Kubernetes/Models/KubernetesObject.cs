using System.Text.Json;
using System.Text.Json.Serialization;

namespace Twa.Kubernetes.Models;

/// <summary>
/// Base of the typed models. Fields the model does not declare are kept in <see cref="ExtensionData"/>
/// and written back unchanged, so a read-modify-write never drops what a newer server added.
/// Not thread-safe (plain mutable data).
/// </summary>
public abstract class KubernetesObject : IKubernetesObject
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; }

    /// <inheritdoc />
    public string? Kind { get; set; }

    /// <inheritdoc />
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Top-level fields not modelled by the type, round-tripped as-is.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
