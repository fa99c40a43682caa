using System.Globalization;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Steps 9-10 of the reconcile (OPERATOR.md 3.3): pending timeouts, drain victims (pods leaving an earlier
/// generation, which do not count towards the target; then Pending, standbys, members NotReady in a Ready generation,
/// then highest ordinals), candidates (healthy members + started, not-Ready standbys - victims), the decision to publish
/// generation G+1 (a failure bypasses the cooldown; a planned change waits for starting pods and the cooldown; never
/// below minReplicas), deletions after drain, failed-pod history, and pod creation at the lowest free ordinal after
/// the replacement backoff. Thread-safe (no state).</summary>
internal static class MembershipPlanner
{
    public static PlanOutcome Run(ReconcileRun run)
    {
        var m = run.Membership;
        var pods = run.Observed.Pods;
        var members = m?.Members ?? [];
        var byName = pods.GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        bool Healthy(MembershipMember mm) => byName.TryGetValue(mm.Pod, out var p) && p.IsActive && !run.Unhealthy.Contains(p.Name);
        var healthyMembers = members.Where(Healthy).Select(mm => byName[mm.Pod]).ToList();

        // After the exit barrier every rank exits 0 with "completed", in whatever order the kubelet reports it: a member
        // that finished the job is no failure, and nothing is planned around it until rank 0's exit (step 6) ends the
        // job. A member that fails meanwhile is counted as usual (then the survivors go on).
        var completed = m is null ? [] : members
            .Where(mm => byName.TryGetValue(mm.Pod, out var p) && FailureAccounting.IsMemberCompletion(p, m))
            .Select(mm => mm.Pod).ToHashSet(StringComparer.Ordinal);
        var failureTrigger = members.Any(mm => !Healthy(mm) && !completed.Contains(mm.Pod));
        var finishing = completed.Count > 0 && !failureTrigger;

        bool IsMember(ObservedPod p) => m?.Contains(p.Name) == true;

        // Pods on their way out - members of an earlier generation left out of this one (they exit by the worker
        // protocol; until their exit is observed they may still look Ready, or not Ready once their probe fails on the
        // way out) and pods deleted by this reconcile - are neither candidates nor counted towards the target. The
        // listed ones are drained (below, with the victims).
        var leavingUids = m?.LeavingPodUids.ToHashSet(StringComparer.Ordinal) ?? [];
        var live = pods.Where(p => p.IsActive && !run.Unhealthy.Contains(p.Name) && !run.IsDeleted(p)).ToList();
        var leaving = live.Where(p => leavingUids.Contains(p.Uid) && !IsMember(p)).ToList();
        var active = live.Except(leaving).ToList();

        // Pending timeout: only while enough members train; the pod is re-created (at another ordinal).
        var pendingTimedOut = false;
        foreach (var p in active.Where(p => !IsMember(p) && p.Phase == PodPhase.Pending).ToList())
        {
            var due = p.CreationTimestamp.AddSeconds(run.Elastic.PendingTimeoutSeconds);
            if (run.Now < due)
            {
                run.WakeAt(due);
            }
            else if (healthyMembers.Count >= run.Min)
            {
                run.Delete(p, "PendingTimeout");
                run.Events.Add(new JobEvent(EventType.Warning, TwaJobReasons.PodsUnschedulable,
                    $"pod {p.Name} Pending for more than elastic.pendingTimeoutSeconds={I(run.Elastic.PendingTimeoutSeconds)}; deleted"));
                active.Remove(p);
                pendingTimedOut = true;
            }
        }

        // Victims of a scale-down: not started first, then standbys (non-members), then members NotReady in a
        // generation that was Ready (suspects), then the highest ordinals. Members that are NotReady only because the
        // generation is new (rejoining) rank with the Ready ones: dropping one would publish another generation.
        var generationReady = run.Status.Membership is { } sm && m is not null && sm.Generation == m.Generation && sm.ReadyTime is not null;
        var surplus = active
            .OrderBy(p => !p.Started || p.Phase == PodPhase.Pending ? 0 : !IsMember(p) ? 1 : !p.Ready && generationReady ? 2 : 3)
            .ThenByDescending(p => p.Ordinal)
            .Take(Math.Max(0, active.Count - run.Target))
            .ToList();
        var victims = surplus.Concat(leaving).ToHashSet();
        // A standby is started, Running and not Ready, and not a member.
        var candidates = healthyMembers
            .Concat(active.Where(p => !IsMember(p) && p.Started && p.Phase == PodPhase.Running && !p.Ready))
            .Where(p => !victims.Contains(p))
            .OrderBy(p => p.Ordinal)
            .ToList();
        var starting = active.Where(p => !IsMember(p) && !victims.Contains(p) && !(p.Started && p.Phase == PodPhase.Running)
            && run.Now < p.CreationTimestamp.AddSeconds(run.Elastic.PendingTimeoutSeconds)).ToList();

        var changed = !candidates.Select(p => p.Name).SequenceEqual(members.Select(mm => mm.Pod));
        var waitingForMin = !finishing && candidates.Count < run.Min;
        var cooldownBlocked = false;
        if (changed && !finishing && run.Observed.StoreAvailable)
        {
            if (waitingForMin)
            {
                // Not enough workers for any generation; the minReplicas timeout runs (step 11).
            }
            else if (failureTrigger)
            {
                Publish(run, candidates, FailureReason(run, members.Where(mm => !Healthy(mm))), planned: false);
            }
            else if (starting.Count > 0 && candidates.Count < run.Target)
            {
                // Let the pods being created start, so one generation takes them all.
            }
            else
            {
                var cooldownEnd = m is null || m.Reason == TwaJobReasons.Suspend
                    ? run.Now
                    : m.PublishedTime.AddSeconds(run.Elastic.ScaleCooldownSeconds);
                if (run.Now < cooldownEnd)
                {
                    cooldownBlocked = true;
                    run.WakeAt(cooldownEnd);
                }
                else
                {
                    Publish(run, candidates, PlannedReason(m, candidates.Count), planned: true);
                }
            }
        }

        DeleteLeftovers(run, victims);
        if (!finishing)
        {
            Create(run, active.Count - surplus.Count);
        }

        return new PlanOutcome
        {
            Finishing = finishing,
            WaitingForMin = waitingForMin,
            CooldownBlocked = cooldownBlocked,
            PendingTimedOut = pendingTimedOut,
            Candidates = candidates.Count,
        };
    }

    /// <summary>Publishes G+1 with <paramref name="candidates"/> (sorted by ordinal; dense ranks) or, with none, a
    /// member-less generation (suspend).</summary>
    public static void Publish(ReconcileRun run, IReadOnlyList<ObservedPod> candidates, string reason, bool planned)
    {
        var generation = Math.Max(run.Membership?.Generation ?? 0, run.Status.Membership?.Generation ?? 0) + 1;
        var members = candidates.OrderBy(p => p.Ordinal).Select((p, rank) => new MembershipMember(p.Name, p.Ordinal, rank)).ToList();
        var existing = run.Observed.Pods.Where(p => p.IsActive).ToDictionary(p => p.Uid, StringComparer.Ordinal);
        var uidOf = run.Observed.Pods.Where(p => p.IsActive).GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Uid, StringComparer.Ordinal);
        var leaving = (run.Membership?.Members ?? [])
            .Where(mm => !members.Any(n => n.Pod == mm.Pod) && uidOf.ContainsKey(mm.Pod))
            .Select(mm => uidOf[mm.Pod])
            .Concat((run.Membership?.LeavingPodUids ?? []).Where(existing.ContainsKey))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var store = members.Count == 0
            ? null
            : new StoreEndpoint($"{members[0].Pod}.{JobChildren.ServiceName(run.Job.Name)}.{run.Job.Namespace}.svc",
                run.Options.DistBasePort + (int)(generation % WorkerPodBuilder.DistPortCount));
        var record = new MembershipRecord
        {
            JobUid = run.Job.Uid,
            Generation = generation,
            Store = store,
            Members = members,
            Reason = reason,
            PublishedTime = run.Now,
            LeavingPodUids = leaving,
        };
        var first = run.Membership is null && run.Status.Membership is null;
        run.Published = record;
        run.Membership = record;
        run.Status = run.Status with
        {
            Membership = new MembershipStatus
            {
                Generation = generation,
                WorldSize = members.Count,
                StoreEndpoint = store?.ToString(),
                Reason = reason,
                PublishedTime = run.Now,
            },
        };
        var retried = run.Unpublished is { } u && u.Generation == generation && u.Reason == reason; // counted when first announced
        if (planned && !first && !retried)
        {
            run.Restarts = run.Restarts with { PlannedReconfigurations = run.Restarts.PlannedReconfigurations + 1 };
        }

        var who = members.Count == 0 ? "no members" : string.Join(", ", members.Select(mm => $"{mm.Pod}=rank {I(mm.Rank)}"));
        run.Events.Add(new JobEvent(reason is TwaJobReasons.MemberFailed or TwaJobReasons.MemberPreempted ? EventType.Warning : EventType.Normal, reason,
            $"published generation {generation} (world size {I(members.Count)}): {who}"));
    }

    private static string FailureReason(ReconcileRun run, IEnumerable<MembershipMember> lost) =>
        lost.All(mm => run.UnhealthyActions.TryGetValue(mm.Pod, out var a) && a == FailureAction.Ignore)
            ? TwaJobReasons.MemberPreempted
            : TwaJobReasons.MemberFailed;

    private static string PlannedReason(MembershipRecord? m, int size) => m switch
    {
        null => TwaJobReasons.ScaleUp,
        { Reason: TwaJobReasons.Suspend } => TwaJobReasons.Resume,
        _ when size < m.WorldSize => TwaJobReasons.ScaleDown,
        { Reason: TwaJobReasons.MemberFailed or TwaJobReasons.MemberPreempted } => TwaJobReasons.MemberRejoin,
        _ when size > m.WorldSize => TwaJobReasons.ScaleUp,
        _ => TwaJobReasons.MemberRejoin,
    };

    /// <summary>Drained victims once out of the current generation (after they exited or the drain grace), pods
    /// that exited as non-members, and Failed pods beyond runPolicy.failedPodHistoryLimit.</summary>
    private static void DeleteLeftovers(ReconcileRun run, HashSet<ObservedPod> victims)
    {
        var m = run.Membership;
        foreach (var v in victims)
        {
            if (m?.Contains(v.Name) == true)
            {
                continue;
            }

            if (!v.Started || v.Phase == PodPhase.Pending || m is null)
            {
                run.Delete(v, "Surplus");
                continue;
            }

            var due = m.PublishedTime.AddSeconds(run.Options.DrainGraceSeconds);
            if (run.Published is null && run.Now >= due)
            {
                run.Delete(v, "Drained");
            }
            else
            {
                run.WakeAt(run.Published is null ? due : run.Now.AddSeconds(run.Options.DrainGraceSeconds));
            }
        }

        foreach (var p in run.Observed.Pods.Where(p => p.Phase == PodPhase.Succeeded && m?.Contains(p.Name) != true))
        {
            run.Delete(p, "Drained");
        }

        var failed = run.Observed.Pods.Where(p => p.Phase == PodPhase.Failed && p.DeletionTimestamp is null)
            .OrderByDescending(p => p.CreationTimestamp).ThenByDescending(p => p.Ordinal).ToList();
        foreach (var p in failed.Skip(run.Spec.RunPolicy.FailedPodHistoryLimit))
        {
            run.Delete(p, "FailedPodHistoryLimit");
        }
    }

    /// <summary>Creates pods up to the target at the lowest ordinals used by no pod object (Terminating and Failed ones
    /// included) and by no member of the current generation, not before status.restarts.nextReplacementTime.</summary>
    private static void Create(ReconcileRun run, int remaining)
    {
        var need = run.Target - remaining;
        if (need <= 0)
        {
            return;
        }

        if (run.Restarts.NextReplacementTime is { } next && run.Now < next)
        {
            run.WakeAt(next);
            return;
        }

        var used = run.Observed.Pods.Select(p => p.Ordinal).Concat(run.Observed.Membership?.Members.Select(mm => mm.Ordinal) ?? [])
            .Concat(run.Membership?.Members.Select(mm => mm.Ordinal) ?? []).ToHashSet();
        var redis = run.Redis;
        for (var ordinal = 0; need > 0; ordinal++)
        {
            if (used.Contains(ordinal))
            {
                continue;
            }

            var name = WorkerPodBuilder.PodName(run.Job.Name, ordinal);
            run.Creations.Add(new PodCreation(name, ordinal, WorkerPodBuilder.Build(run.Job, ordinal, redis, run.Options)));
            need--;
        }
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
