namespace Twa.Jobs.Operator;

/// <summary>Condition and Event reasons of OPERATOR.md section 2.4 (CamelCase, as metav1.Condition requires).</summary>
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

    // Reconfiguring
    public const string ScaleUp = "ScaleUp";
    public const string ScaleDown = "ScaleDown";
    public const string MemberFailed = "MemberFailed";
    public const string MemberPreempted = "MemberPreempted";
    public const string MemberRejoin = "MemberRejoin";
    public const string Resume = "Resume";
    public const string Stable = "Stable";

    // ScalingLimited
    public const string ClampedToRange = "ClampedToRange";
    public const string PodsUnschedulable = "PodsUnschedulable";
    public const string Cooldown = "Cooldown";
    public const string GangNotAdmitted = "GangNotAdmitted";
    public const string AsRequested = "AsRequested";

    // Suspended (NotSuspended is ours: the initial False reason; 2.4 names only transition reasons)
    public const string Resumed = "Resumed";
    public const string NotSuspended = "NotSuspended";
    public const string Suspend = "Suspend";

    // Succeeded
    public const string TrainerCompleted = "TrainerCompleted";
    public const string NotCompleted = "NotCompleted";

    // Failed
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
