namespace Twa.Kubernetes.Models;

/// <summary>
/// Names the REST resource a model type maps to (as KubernetesClient's attribute of the same name):
/// <c>[KubernetesEntity(Group = "twa.dev", ApiVersion = "v1alpha1", Kind = "TwaJob", PluralName = "twajobs")]</c>.
/// The client reads it through <see cref="ResourceDescriptor.For{T}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KubernetesEntityAttribute : Attribute
{
    /// <summary>API group; empty for the core group.</summary>
    public string Group { get; set; } = "";

    /// <summary>API version within the group, e.g. <c>v1</c>.</summary>
    public string ApiVersion { get; set; } = "";

    /// <summary>Kind, e.g. <c>Pod</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Lower-case plural resource name used in URLs, e.g. <c>pods</c>.</summary>
    public string PluralName { get; set; } = "";

    /// <summary>Whether objects live in a namespace (default) or are cluster-scoped.</summary>
    public bool Namespaced { get; set; } = true;
}
