namespace Twa.Operator.Reconcile;

/// <summary>A pod to DELETE with <c>preconditions.uid = Uid</c> (a pod re-created under the same name is never hit).
/// <see cref="Reason"/> says why (Drained, Failed, FailedPodHistoryLimit, PendingTimeout, CleanPodPolicy, Suspended,
/// Finished, Surplus) for logs and Events.</summary>
public sealed record PodDeletion(string Name, string Uid, string Reason);
