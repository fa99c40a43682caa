namespace Twa.Kubernetes.Watch;

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Carries only <c>metadata.resourceVersion</c>: everything up to it has been delivered; resume from it.</summary>
    Bookmark,

    /// <summary>An ERROR event other than 410; <see cref="WatchEvent{T}.Status"/> describes it.</summary>
    Error,

    /// <summary>
    /// The requested resourceVersion is too old (an ERROR event with a 410 Status, or a 410 response):
    /// always the last event of the stream; the caller must re-list and watch from the list's resourceVersion.
    /// </summary>
    Expired,
}
