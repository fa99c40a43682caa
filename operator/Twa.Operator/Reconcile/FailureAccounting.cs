using System.Globalization;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Step 5 of the reconcile (OPERATOR.md 3.4): finds lost pods (Failed; a member NotReady past
/// memberLostTimeout or not Ready within rendezvousTimeout of its generation; a member that exited without
/// completion; a member Terminating or vanished without being drained), classifies each once (durably, by UID in
/// <c>status.restarts.countedPodUIDs</c>), updates the budget and backoff and marks the pods unhealthy so the
/// membership planner excludes them. Thread-safe (no state).</summary>
internal static class FailureAccounting
{
    /// <summary>Returns the terminal failure (reason, message) when the job must fail, else null.</summary>
    public static (string Reason, string Message)? Run(ReconcileRun run)
    {
        var policy = run.Spec.FailurePolicy;
        var m = run.Membership;
        var readyTime = run.Status.Membership is { } sm && m is not null && sm.Generation == m.Generation ? sm.ReadyTime : null;
        (string, string)? fail = null;

        foreach (var pod in run.Observed.Pods.OrderBy(p => p.Ordinal))
        {
            if (run.Restarts.CountedPodUIDs.Contains(pod.Uid))
            {
                // Counted before (maybe by a reconcile whose deletes did not happen): keep it out, finish its removal.
                run.Unhealthy.Add(pod.Name);
                run.UnhealthyActions[pod.Name] = FailureClassifier.Classify(policy.Rules, pod, "counted before").Action;
                if (pod.Phase != PodPhase.Failed)
                {
                    run.Delete(pod, "Failed");
                }

                continue;
            }

            var cause = LostCause(run, pod, m, readyTime);
            if (cause is null)
            {
                continue;
            }

            var c = FailureClassifier.Classify(policy.Rules, pod, cause);
            Record(run, pod.Name, pod.NodeName, c, m?.Contains(pod.Name) == true && m is not null ? $"{pod.Name}@{m.Generation}" : null, pod.Uid);
            run.Unhealthy.Add(pod.Name);
            run.UnhealthyActions[pod.Name] = c.Action;
            if (pod.Phase != PodPhase.Failed)
            {
                run.Delete(pod, "Failed");
            }

            if (c.Action == FailureAction.FailJob && fail is null)
            {
                fail = (TwaJobReasons.NonRetryableExitCode, $"pod {pod.Name}: {c.Description}");
            }
        }

        // Members whose pod object is gone: lost unless already counted for this generation.
        if (m is not null)
        {
            foreach (var member in m.Members)
            {
                if (run.Observed.Pods.Any(p => p.Name == member.Pod))
                {
                    continue;
                }

                run.Unhealthy.Add(member.Pod);
                var key = $"{member.Pod}@{m.Generation}";
                if (run.Restarts.CountedPodUIDs.Contains(key))
                {
                    continue;
                }

                var c = new FailureClassification(FailureAction.Count, $"pod vanished while a member of generation {m.Generation} (no rule matched: Count)", null);
                run.UnhealthyActions[member.Pod] = c.Action;
                Record(run, member.Pod, null, c, key, null);
            }
        }

        if (fail is null && run.Restarts.FailureRestarts > policy.MaxRestarts)
        {
            var last = run.Restarts.LastFailure;
            fail = (TwaJobReasons.RestartBudgetExceeded,
                $"{I(run.Restarts.FailureRestarts)} counted failures exceed failurePolicy.maxRestarts={I(policy.MaxRestarts)}; last: pod {last?.Pod}: {last?.Reason}");
        }

        return fail;
    }

    /// <summary>Why <paramref name="pod"/> is lost, or null while it is not (and then a wake-up at its deadline).</summary>
    private static string? LostCause(ReconcileRun run, ObservedPod pod, MembershipRecord? m, DateTimeOffset? readyTime)
    {
        var member = m?.Contains(pod.Name) == true;
        if (pod.DeletionTimestamp is not null && !member)
        {
            return null; // deleted by us (drain, pending timeout, history) or a standby: its exit is no failure
        }

        if (pod.Phase == PodPhase.Failed)
        {
            return "pod Failed";
        }

        if (m is null || !member)
        {
            return null;
        }

        var e = run.Elastic;
        var policy = run.Spec.FailurePolicy;
        if (pod.DeletionTimestamp is not null)
        {
            return $"pod deleted while a member of generation {m.Generation}";
        }

        if (pod.Phase == PodPhase.Succeeded)
        {
            if (IsMemberCompletion(pod, m))
            {
                return null; // finished the job (any rank, after the exit barrier): rank 0's exit ends it
            }

            var exited = pod.Trainer?.Terminated?.FinishedAt ?? m.PublishedTime;
            var due = exited.AddSeconds(policy.MemberLostTimeoutSeconds);
            run.WakeAt(due);
            return run.Now >= due ? $"exited while a member of generation {m.Generation} without rank 0 completing" : null;
        }

        if (pod.Ready)
        {
            return null;
        }

        if (readyTime is null)
        {
            var due = m.PublishedTime.AddSeconds(e.RendezvousTimeoutSeconds);
            run.WakeAt(due);
            return run.Now >= due ? $"not Ready within elastic.rendezvousTimeoutSeconds={I(e.RendezvousTimeoutSeconds)} of generation {m.Generation}" : null;
        }

        var since = pod.Condition("Ready")?.LastTransitionTime ?? readyTime.Value;
        if (since < readyTime.Value)
        {
            since = readyTime.Value;
        }

        var lostAt = since.AddSeconds(policy.MemberLostTimeoutSeconds);
        run.WakeAt(lostAt);
        return run.Now >= lostAt ? $"NotReady for {I((int)(run.Now - since).TotalSeconds)}s (failurePolicy.memberLostTimeoutSeconds={I(policy.MemberLostTimeoutSeconds)})" : null;
    }

    /// <summary>True when <paramref name="pod"/>'s trainer exited 0 with rank 0's completion of the job. A message with
    /// a rank (<c>{"result":"completed","generation":G,"rank":0}</c>) counts from the pod that was rank 0 of generation
    /// G &lt;= <paramref name="m"/>'s: rank 0 of <paramref name="m"/> itself when G is current, else a member of
    /// <paramref name="m"/> or a pod that left an earlier generation (<see cref="MembershipRecord.LeavingPodUids"/>) - a
    /// later generation may have given rank 0 to another pod. A message without a rank (older workers) counts from rank 0
    /// of <paramref name="m"/> (<see cref="IsMemberCompletion"/>). A pod that was never a member never completes the job.</summary>
    public static bool IsCompletion(ObservedPod pod, MembershipRecord m)
    {
        if (Completion(pod) is not { } r)
        {
            return false;
        }

        if (r.Rank is not { } rank || r.Generation is not { } g)
        {
            return m.RankZero?.Pod == pod.Name && IsMemberCompletion(pod, m);
        }

        return rank == 0 && g <= m.Generation
            && (g == m.Generation
                ? m.RankZero?.Pod == pod.Name
                : m.Contains(pod.Name) || m.LeavingPodUids.Contains(pod.Uid, StringComparer.Ordinal));
    }

    /// <summary>True when <paramref name="pod"/> is a member of <paramref name="m"/> whose trainer exited 0 with
    /// <c>{"result":"completed"}</c> for generation <paramref name="m"/> or an earlier one (a generation published while
    /// the ranks passed the exit barrier; a worker only completes in a generation it was a member of, and a pod that
    /// exited runs no later one), or for no generation named. Such a pod finished the job: it is never a failure.</summary>
    public static bool IsMemberCompletion(ObservedPod pod, MembershipRecord m) =>
        m.Contains(pod.Name) && Completion(pod) is { } r && (r.Generation is null || r.Generation <= m.Generation);

    /// <summary>The trainer's <c>completed</c> message when it exited 0 with one, else null.</summary>
    private static TrainerTermination? Completion(ObservedPod pod) =>
        pod.Trainer?.Terminated is { ExitCode: 0 } t && TrainerTermination.Parse(t.Message) is { Result: TrainerTermination.Completed } r ? r : null;

    private static void Record(ReconcileRun run, string pod, string? node, FailureClassification c, string? memberKey, string? uid)
    {
        var r = run.Restarts;
        var ring = r.CountedPodUIDs.ToList();
        foreach (var key in new[] { uid, memberKey })
        {
            if (key is not null && !ring.Contains(key))
            {
                ring.Add(key);
            }
        }

        if (ring.Count > RestartsStatus.MaxCountedPodUids)
        {
            ring.RemoveRange(0, ring.Count - RestartsStatus.MaxCountedPodUids);
        }

        r = r with
        {
            CountedPodUIDs = [.. ring],
            LastFailure = new FailureRecord { Time = run.Now, Pod = pod, Node = node, Reason = c.Description, ExitCode = c.ExitCode },
        };
        if (c.Action == FailureAction.Count)
        {
            var n = r.FailureRestarts + 1;
            var policy = run.Spec.FailurePolicy;
            var backoff = Math.Min(policy.MaxBackoffSeconds, policy.BackoffSeconds * Math.Pow(2, Math.Min(n - 1, 30)));
            r = r with { FailureRestarts = n, NextReplacementTime = run.Now.AddSeconds(backoff) };
        }

        run.Restarts = r;
        run.ClassifiedFailures.Add(c.Action);
        var reason = c.Action switch
        {
            FailureAction.Ignore => TwaJobReasons.MemberPreempted,
            FailureAction.FailJob => TwaJobReasons.NonRetryableExitCode,
            _ => TwaJobReasons.MemberFailed,
        };
        run.Events.Add(new JobEvent(EventType.Warning, reason, $"pod {pod}{(node is null ? "" : $" on node {node}")}: {c.Description}"));
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
