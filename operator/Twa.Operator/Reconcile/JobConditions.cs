using System.Globalization;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Step 7 and 11 of a non-terminal, non-suspended reconcile: Running, Reconfiguring and ScalingLimited
/// from the current generation's readiness and the planner's outcome, and <c>membership.readyTime</c> once every
/// member is Ready. Thread-safe (no state).</summary>
internal static class JobConditions
{
    public static void Update(ReconcileRun run, PlanOutcome plan)
    {
        var c = run.Conditions;
        var afterOutage = c.Get(TwaJobConditions.Running).Reason == TwaJobReasons.StoreUnavailable;
        var m = run.Membership;
        var pods = run.Observed.Pods;
        var summary = run.Status.Membership;
        var readyMembers = m is null ? 0 : pods.Count(p => run.ReadyFor(p, m));
        var allReady = m is { WorldSize: > 0 } && run.Published is null && readyMembers == m.WorldSize;
        if (allReady && summary is not null && summary.Generation == m!.Generation && summary.ReadyTime is null)
        {
            run.Status = run.Status with { Membership = summary with { ReadyTime = run.Now } };
            run.ReconfigurationSeconds = (run.Now - m.PublishedTime).TotalSeconds;
        }

        var stable = allReady && run.Status.Membership?.ReadyTime is not null;
        var gen = m is null ? "" : $"generation {m.Generation.ToString(CultureInfo.InvariantCulture)} (world size {I(m.WorldSize)})";

        if (m is { WorldSize: > 0 } && !stable)
        {
            c.Set(TwaJobConditions.Reconfiguring, ConditionStatus.True, m.Reason, $"{gen}: {I(readyMembers)}/{I(m.WorldSize)} members Ready");
        }
        else
        {
            c.Set(TwaJobConditions.Reconfiguring, ConditionStatus.False, TwaJobReasons.Stable, stable ? $"{gen}: all members Ready" : "no generation in progress");
        }

        if (plan.WaitingForMin)
        {
            var reason = m is { WorldSize: > 0 } ? TwaJobReasons.WaitingForMinReplicas : TwaJobReasons.Pending;
            c.Set(TwaJobConditions.Running, ConditionStatus.False, reason,
                $"{I(plan.Candidates)} of elastic.minReplicas={I(run.Min)} workers started");
        }
        else if (stable)
        {
            c.Set(TwaJobConditions.Running, ConditionStatus.True, TwaJobReasons.Training, $"{gen}: training");
        }
        else if (m is { WorldSize: > 0 })
        {
            c.Set(TwaJobConditions.Running, ConditionStatus.False, TwaJobReasons.Reconfiguring, $"{gen}: {I(readyMembers)}/{I(m.WorldSize)} members Ready");
        }
        else
        {
            c.Set(TwaJobConditions.Running, ConditionStatus.False, TwaJobReasons.Pending, "waiting for workers to start");
        }

        if (afterOutage && !c.IsTrue(TwaJobConditions.Running))
        {
            c.RestartClock(TwaJobConditions.Running); // the minReplicas wait must not include the store outage
        }

        var world = m?.WorldSize ?? 0;
        var old = c.Get(TwaJobConditions.ScalingLimited);
        if (run.Spec.Replicas != run.Target)
        {
            c.Set(TwaJobConditions.ScalingLimited, ConditionStatus.True, TwaJobReasons.ClampedToRange,
                $"spec.replicas={I(run.Spec.Replicas)} is outside [{I(run.Min)}, {I(run.Elastic.MaxReplicas)}]; using {I(run.Target)}");
        }
        else if (world != run.Target && (plan.PendingTimedOut || (old.Status == ConditionStatus.True && old.Reason == TwaJobReasons.PodsUnschedulable)))
        {
            c.Set(TwaJobConditions.ScalingLimited, ConditionStatus.True, TwaJobReasons.PodsUnschedulable,
                $"world size {I(world)} < {I(run.Target)}: pods stayed Pending longer than elastic.pendingTimeoutSeconds={I(run.Elastic.PendingTimeoutSeconds)}");
        }
        else if (plan.CooldownBlocked)
        {
            c.Set(TwaJobConditions.ScalingLimited, ConditionStatus.True, TwaJobReasons.Cooldown,
                $"world size {I(world)}, target {I(run.Target)}: waiting for elastic.scaleCooldownSeconds={I(run.Elastic.ScaleCooldownSeconds)} since generation {m?.Generation.ToString(CultureInfo.InvariantCulture)}");
        }
        else
        {
            c.Set(TwaJobConditions.ScalingLimited, ConditionStatus.False, TwaJobReasons.AsRequested, $"target {I(run.Target)} workers");
        }

        if (m is { WorldSize: > 0 } && !stable)
        {
            run.WakeAt(m.PublishedTime.AddSeconds(run.Elastic.RendezvousTimeoutSeconds));
        }
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
