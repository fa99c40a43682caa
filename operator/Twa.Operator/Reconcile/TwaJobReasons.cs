namespace Twa.Operator.Reconcile;

/// <summary>Condition reasons (OPERATOR.md 2.4), membership reasons and Event reasons used by the reconciler.
/// The reasons of the initial False conditions (NotSuspended, NotCompleted, NotFailed) are ours: 2.4 names only
/// the reasons of transitions.</summary>
public static class TwaJobReasons
{
    // Running
    public const string Training = "Training";
    public const string Pending = "Pending";
    public const string Reconfiguring = "Reconfiguring";
    public const string WaitingForMinReplicas = "WaitingForMinReplicas";
    public const string StoreUnavailable = "StoreUnavailable";
    public const string Suspended = "Suspended";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    // Reconfiguring (and the membership record's reason)
    public const string ScaleUp = "ScaleUp";
    public const string ScaleDown = "ScaleDown";
    public const string MemberFailed = "MemberFailed";
    public const string MemberPreempted = "MemberPreempted";
    public const string MemberRejoin = "MemberRejoin";
    public const string Resume = "Resume";
    public const string Stable = "Stable";

    /// <summary>Membership reason of the member-less generation published on suspend.</summary>
    public const string Suspend = "Suspend";

    // ScalingLimited
    public const string ClampedToRange = "ClampedToRange";
    public const string PodsUnschedulable = "PodsUnschedulable";
    public const string Cooldown = "Cooldown";
    public const string GangNotAdmitted = "GangNotAdmitted";
    public const string AsRequested = "AsRequested";

    // Suspended
    public const string Resumed = "Resumed";
    public const string NotSuspended = "NotSuspended";

    // Succeeded / Failed
    public const string TrainerCompleted = "TrainerCompleted";
    public const string NotCompleted = "NotCompleted";
    public const string RestartBudgetExceeded = "RestartBudgetExceeded";
    public const string NonRetryableExitCode = "NonRetryableExitCode";
    public const string DeadlineExceeded = "DeadlineExceeded";
    public const string MinReplicasUnavailable = "MinReplicasUnavailable";
    public const string InvalidSpec = "InvalidSpec";
    public const string NotFailed = "NotFailed";

    // Events only
    public const string RedisCleanupSkipped = "RedisCleanupSkipped";
    public const string RedisCleanupFailed = "RedisCleanupFailed";
    public const string Deleted = "Deleted";
    public const string SuccessfulCreate = "SuccessfulCreate";
    public const string SuccessfulDelete = "SuccessfulDelete";
}
