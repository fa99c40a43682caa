namespace Twa.Kubernetes.Models;

/// <summary>A LIST response: items plus <see cref="V1ListMeta"/> (resourceVersion to watch from, continue token).</summary>
public sealed class KubernetesList<T>
    where T : class, IKubernetesObject
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public V1ListMeta Metadata { get; set; } = new();

    public IList<T> Items { get; set; } = [];
}
