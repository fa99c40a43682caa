using Twa.Kubernetes.Models;

namespace Twa.Kubernetes.Watch;

/// <summary>One event of a watch stream.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Item">The object (for Bookmark only its resourceVersion is meaningful); null for Error/Expired.</param>
/// <param name="Status">The Status of an Error/Expired event.</param>
public sealed record WatchEvent<T>(WatchEventType Type, T? Item, V1Status? Status = null)
    where T : class, IKubernetesObject
{
    /// <summary>The resourceVersion to resume from after this event, when it carries an object.</summary>
    public string? ResourceVersion => Item?.Metadata.ResourceVersion;
}
