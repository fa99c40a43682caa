using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Step 3 of the reconcile (OPERATOR.md 3.5): a suspended job (<c>runPolicy.suspend</c> or
/// <c>replicas: 0</c>) publishes a member-less generation (ranks exit with <c>{"result":"suspended"}</c>), deletes
/// its pods once they exited or after the drain grace, and clears <c>startTime</c>; the restart budget is kept.
/// Thread-safe (no state).</summary>
internal static class Suspension
{
    public static void Suspend(ReconcileRun run)
    {
        var c = run.Conditions;
        var why = run.Spec.RunPolicy.Suspend ? "runPolicy.suspend is true" : "spec.replicas is 0";
        c.Set(TwaJobConditions.Suspended, ConditionStatus.True, TwaJobReasons.Suspended, why);
        c.Set(TwaJobConditions.Running, ConditionStatus.False, TwaJobReasons.Suspended, why);
        c.Set(TwaJobConditions.Reconfiguring, ConditionStatus.False, TwaJobReasons.Stable, "suspended");
        c.Set(TwaJobConditions.ScalingLimited, ConditionStatus.False, TwaJobReasons.AsRequested, why);
        run.Status = run.Status with { StartTime = null };

        var m = run.Membership;
        if (run.Observed.StoreAvailable && m is { WorldSize: > 0 })
        {
            MembershipPlanner.Publish(run, [], TwaJobReasons.Suspend, planned: false);
            m = run.Membership;
        }

        foreach (var pod in run.Observed.Pods)
        {
            if (pod.IsFinished || !pod.Started || m is null || !run.Observed.StoreAvailable)
            {
                run.Delete(pod, "Suspended");
                continue;
            }

            if (m.Contains(pod.Name))
            {
                continue;
            }

            var due = run.Published is not null ? run.Now.AddSeconds(run.Options.DrainGraceSeconds) : m.PublishedTime.AddSeconds(run.Options.DrainGraceSeconds);
            if (run.Published is null && run.Now >= due)
            {
                run.Delete(pod, "Suspended");
            }
            else
            {
                run.WakeAt(due);
            }
        }
    }
}
