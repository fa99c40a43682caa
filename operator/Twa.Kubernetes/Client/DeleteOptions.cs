namespace Twa.Kubernetes.Client;

/// <summary>Body of a DELETE: preconditions (409 when they do not hold) and the dependents' propagation policy.</summary>
public sealed record DeleteOptions
{
    /// <summary>Delete only if the object still has this uid (protects against deleting a recreated namesake).</summary>
    public string? PreconditionUid { get; init; }

    /// <summary>Delete only if the object is at this resourceVersion.</summary>
    public string? PreconditionResourceVersion { get; init; }

    /// <summary>Background, Foreground or Orphan; null = the resource's default.</summary>
    public string? PropagationPolicy { get; init; }

    /// <summary>Grace period for pods; null = the pod's own.</summary>
    public long? GracePeriodSeconds { get; init; }
}
