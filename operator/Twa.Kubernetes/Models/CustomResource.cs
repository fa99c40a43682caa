namespace Twa.Kubernetes.Models;

/// <summary>
/// Base for custom resources with a spec and a status (KubeOps' <c>CustomKubernetesEntity&lt;TSpec,TStatus&gt;</c>).
/// Derive, add <see cref="KubernetesEntityAttribute"/>, and use it with the generic client verbs.
/// </summary>
public abstract class CustomResource<TSpec, TStatus> : KubernetesObject
    where TSpec : new()
    where TStatus : new()
{
    public TSpec Spec { get; set; } = new();

    /// <summary>Written through the /status subresource only; ignored by the server on main-resource writes.</summary>
    public TStatus Status { get; set; } = new();
}
