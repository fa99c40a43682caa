using Twa.Jobs;

namespace Twa.Operator.Reconcile;

/// <summary>A TwaJob as read from the API server: the typed object plus the metadata fields
/// <see cref="ObjectMeta"/> does not carry. <see cref="V1Alpha1TwaJob.Metadata"/> must have Name, Namespace and Uid.</summary>
public sealed record ObservedTwaJob
{
    public required V1Alpha1TwaJob Job { get; init; }

    /// <summary><c>metadata.generation</c> (bumped by spec changes, including the scale subresource).</summary>
    public long Generation { get; init; } = 1;

    /// <summary><c>metadata.deletionTimestamp</c>: deletion was requested; only finalizers keep the object.</summary>
    public DateTimeOffset? DeletionTimestamp { get; init; }

    /// <summary><c>metadata.finalizers</c>.</summary>
    public IReadOnlyList<string> Finalizers { get; init; } = [];

    /// <summary>Problems found while binding the API object onto <see cref="Job"/> (unknown fields, wrong types), as
    /// "field: message" lines; any makes the job fail with InvalidSpec, since the CRD schema cannot catch everything
    /// inside <c>template</c> and an older CRD may still be installed.</summary>
    public IReadOnlyList<string> BindProblems { get; init; } = [];

    public string Name => Job.Metadata.Name;

    public string Namespace => Job.Metadata.Namespace ?? "default";

    public string Uid => Job.Metadata.Uid ?? throw new InvalidOperationException($"TwaJob {Job.Metadata.Namespace}/{Job.Metadata.Name} has no metadata.uid");
}
