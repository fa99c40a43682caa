using System.Collections.Concurrent;
using System.Reflection;
using Twa.Kubernetes.Models;

namespace Twa.Kubernetes;

/// <summary>
/// Identifies a REST resource: group, version, plural, kind and scope, and builds its URL paths.
/// Immutable; descriptors of model types are cached, so <see cref="For{T}"/> is cheap and thread-safe.
/// </summary>
/// <param name="Group">API group; empty for the core group (<c>/api/v1</c>).</param>
/// <param name="Version">API version, e.g. <c>v1alpha1</c>.</param>
/// <param name="Plural">Lower-case plural used in URLs, e.g. <c>twajobs</c>.</param>
/// <param name="Kind">Kind, e.g. <c>TwaJob</c>.</param>
/// <param name="Namespaced">Whether objects are namespaced.</param>
public sealed record ResourceDescriptor(string Group, string Version, string Plural, string Kind, bool Namespaced = true)
{
    private static readonly ConcurrentDictionary<Type, ResourceDescriptor> Cache = new();

    /// <summary><c>group/version</c>, or just the version for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The descriptor of a model type carrying <see cref="KubernetesEntityAttribute"/>.</summary>
    /// <exception cref="InvalidOperationException">The type has no such attribute.</exception>
    public static ResourceDescriptor For<T>() => For(typeof(T));

    /// <inheritdoc cref="For{T}"/>
    public static ResourceDescriptor For(Type type) => Cache.GetOrAdd(type, static t =>
    {
        var a = t.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{t.FullName} has no [KubernetesEntity] attribute; add one naming its group, version, kind and plural.");
        return new ResourceDescriptor(a.Group, a.ApiVersion, a.PluralName, a.Kind, a.Namespaced);
    });

    /// <summary>The collection URL path, e.g. <c>/api/v1/namespaces/ns/pods</c>; all namespaces when <paramref name="ns"/> is null.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}"
            : $"{root}/{Plural}";
    }

    /// <summary>The object URL path, optionally with a subresource (<c>status</c>, <c>scale</c>).</summary>
    public string ItemPath(string? ns, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{Plural} are namespaced: a namespace is required to address '{name}'.", nameof(ns));
        }

        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }

    /// <summary><c>plural.group</c> (or just the plural for the core group), as kubectl names resources.</summary>
    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
