namespace Twa.Kubernetes.Watch;

/// <summary>Query of a WATCH.</summary>
public sealed record WatchOptions
{
    /// <summary>Resume after this resourceVersion (from a LIST or the last event/bookmark); null = start with synthetic ADDED events for the current state.</summary>
    public string? ResourceVersion { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>The server ends the stream after this many seconds (default 300); the caller then re-watches from the last resourceVersion.</summary>
    public int? TimeoutSeconds { get; init; } = 300;

    /// <summary>Ask for BOOKMARK events (default true).</summary>
    public bool AllowBookmarks { get; init; } = true;
}
