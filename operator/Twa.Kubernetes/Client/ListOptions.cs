namespace Twa.Kubernetes.Client;

/// <summary>Query of a LIST: selectors, resourceVersion semantics and paging.</summary>
public sealed record ListOptions
{
    /// <summary>Label selector, e.g. <c>twa.dev/job-name=j,tier in (a,b),!legacy</c>.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector, e.g. <c>metadata.name=x</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>resourceVersion constraint ("0" = any cached state); null = most recent.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>Page size; the response's <c>metadata.continue</c> fetches the next page.</summary>
    public int? Limit { get; init; }

    /// <summary>Continue token from the previous page.</summary>
    public string? Continue { get; init; }
}
