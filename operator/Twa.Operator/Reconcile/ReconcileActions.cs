using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>
/// What one reconcile decided; the caller performs it, in this order, stopping at the first failure (and
/// re-queueing with backoff):
/// <list type="number">
/// <item><see cref="AddFinalizer"/> (JSON merge patch carrying <c>metadata.resourceVersion</c>).</item>
/// <item><see cref="RedisCleanupKeyPrefix"/>: SCAN + UNLINK <c>prefix*</c>; only after success
/// <see cref="RemoveFinalizer"/>. On failure record <see cref="TwaJobReconciler.RedisCleanupFailedEvent"/> and re-queue.</item>
/// <item><see cref="Apply"/>: server-side apply of the Service / ConfigMap.</item>
/// <item><see cref="Status"/>: PUT <c>/status</c> with the job's resourceVersion (409 ⇒ re-queue). Written first, so
/// the counted pod UIDs and the budget are durable before anything acts on them: a 409 here loses nothing (the next
/// reconcile decides the same again), and after a crash or a failed publish the next reconcile re-sees the pods with
/// their UIDs already counted, publishes the generation the status announced and deletes what is left.</item>
/// <item><see cref="Publish"/>: Lua CAS (only if the stored generation is lower) then PUBLISH
/// <c>…:membership:changed</c>; a lost CAS or an unreachable Redis stops here (the next reconcile re-reads).</item>
/// <item><see cref="DeletePods"/> (UID preconditions; 404/409 are fine), then <see cref="CreatePods"/> (409 = exists).</item>
/// <item><see cref="Events"/>, then <see cref="DeleteJob"/> (TTL).</item>
/// </list>
/// Finally, when <see cref="RetryWithBackoff"/> is set, fail the reconcile (re-queued with the per-key backoff), else
/// re-queue the key after <see cref="RequeueAfter"/> when set. Immutable.
/// </summary>
public sealed record ReconcileActions
{
    public bool AddFinalizer { get; init; }

    /// <summary>Remove the <c>twa.dev/redis-cleanup</c> finalizer (after <see cref="RedisCleanupKeyPrefix"/> was
    /// cleaned, when that is set).</summary>
    public bool RemoveFinalizer { get; init; }

    /// <summary>Key prefix <c>twa:{ns}:{job}:{uid}:</c> whose keys must all be deleted before the finalizer goes.</summary>
    public string? RedisCleanupKeyPrefix { get; init; }

    public IReadOnlyList<ChildObject> Apply { get; init; } = [];

    /// <summary>Membership generation to publish with a compare-and-set on its generation.</summary>
    public MembershipRecord? Publish { get; init; }

    /// <summary>The new status; null when it equals the observed one (status writes cannot loop).</summary>
    public V1Alpha1TwaJobStatus? Status { get; init; }

    public IReadOnlyList<PodDeletion> DeletePods { get; init; } = [];

    public IReadOnlyList<PodCreation> CreatePods { get; init; } = [];

    public IReadOnlyList<JobEvent> Events { get; init; } = [];

    /// <summary>Delete the TwaJob itself (ttlSecondsAfterFinished elapsed); GC removes its children.</summary>
    public bool DeleteJob { get; init; }

    /// <summary>Per-job metrics after this reconcile (null when the job is being deleted: drop its series).</summary>
    public JobMetricsSample? Metrics { get; init; }

    /// <summary>The job's Redis could not be read (unreachable, password Secret missing, record unreadable): after the
    /// other actions the reconcile counts as failed, so the work queue retries it with capped exponential backoff.</summary>
    public bool RetryWithBackoff { get; init; }

    /// <summary>Reconcile again after this delay (the earliest timer: deadline, TTL, cooldown, backoff, timeouts).</summary>
    public TimeSpan? RequeueAfter { get; init; }
}
