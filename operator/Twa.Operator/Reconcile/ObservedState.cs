using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Everything the reconciler looks at for one TwaJob, gathered by the caller (informer caches and one
/// Redis read) before <see cref="TwaJobReconciler.Reconcile"/> runs. Immutable; the reconciler performs no I/O.</summary>
public sealed record ObservedState
{
    public required ObservedTwaJob Job { get; init; }

    /// <summary>Pods controlled by the job (controller ownerReference with the job's UID), Terminating ones included.</summary>
    public IReadOnlyList<ObservedPod> Pods { get; init; } = [];

    /// <summary>The membership record read from Redis; null when none is stored (or the store was unreachable).</summary>
    public MembershipRecord? Membership { get; init; }

    /// <summary>False when Redis could not be read: nothing is published (Running=False/StoreUnavailable), pods keep
    /// the last generation.</summary>
    public bool StoreAvailable { get; init; } = true;

    /// <summary>The <c>twa.dev/spec-hash</c> annotation of the existing headless Service; null when it does not exist.</summary>
    public string? ServiceHash { get; init; }

    /// <summary>The <c>twa.dev/spec-hash</c> annotation of the existing spec ConfigMap; null when it does not exist.</summary>
    public string? ConfigMapHash { get; init; }
}
