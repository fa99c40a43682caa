namespace Twa.Operator.Runtime;

/// <summary>Settings of one <see cref="Informer{T}"/>. Immutable.</summary>
public sealed record InformerOptions
{
    /// <summary>Label selector of LIST and WATCH (pods: <c>twa.dev/job-name</c>); null = everything.</summary>
    public string? LabelSelector { get; init; }

    /// <summary><c>timeoutSeconds</c> of each WATCH: the server ends the stream after it and the informer resumes.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;
}
