using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using C = Twa.Jobs.Operator.TwaJobConditions;
using R = Twa.Jobs.Operator.TwaJobReasons;

namespace Twa.Operator.Tests.Reconcile;

public sealed class ReconcilerElasticTests
{
    [Fact]
    public void Reconcile_ScaleUpPodPendingPastTimeout_DeletedAndScalingLimitedPodsUnschedulable()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        w.SetSpec(s => s with { Replicas = 3 });
        w.Reconcile();
        Assert.True(w.Pods.ContainsKey("demo-worker-2"));

        w.Clock.Advance(599);
        var waiting = w.Reconcile();
        Assert.Empty(waiting.DeletePods);
        Assert.Equal(TimeSpan.FromSeconds(1), waiting.RequeueAfter);

        w.Clock.Advance(1);
        var a = w.Reconcile();

        Assert.Equal([("demo-worker-2", "PendingTimeout")], a.DeletePods.Select(d => (d.Name, d.Reason)));
        Assert.Equal(["demo-worker-3"], a.CreatePods.Select(p => p.Name)); // the deleted pod's name is still taken
        Assert.Equal(ConditionStatus.True, w.Condition(C.ScalingLimited).Status);
        Assert.Equal(R.PodsUnschedulable, w.Condition(C.ScalingLimited).Reason);
        Assert.Equal(0, w.Restarts.FailureRestarts); // unschedulable is no failure
        Assert.Equal(R.Training, w.Condition(C.Running).Reason); // the two members keep training

        w.Reconcile(); // sticky while the world size is short
        Assert.Equal(R.PodsUnschedulable, w.Condition(C.ScalingLimited).Reason);
    }

    [Fact]
    public void Reconcile_MemberNotReadyWithinRendezvousTimeout_CountedAndExcludedFromNextGeneration()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3));
        w.Reconcile();
        w.StartAll();
        var g1 = w.Reconcile().Publish!;
        w.Update("demo-worker-0", p => p with { Ready = true, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.True, w.Clock.Now)] });
        w.Update("demo-worker-1", p => p with { Ready = true, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.True, w.Clock.Now)] });

        w.Clock.Advance(299);
        Assert.Null(w.Reconcile().Publish);
        Assert.Equal(R.Reconfiguring, w.Condition(C.Running).Reason);
        w.Clock.Advance(1);
        var a = w.Reconcile();

        Assert.Equal(g1.Generation + 1, a.Publish!.Generation);
        Assert.Equal(["demo-worker-0", "demo-worker-1"], a.Publish.Members.Select(m => m.Pod));
        Assert.Equal(["demo-worker-2"], a.DeletePods.Select(d => d.Name));
        Assert.Contains("rendezvousTimeoutSeconds=300", w.Restarts.LastFailure!.Reason, StringComparison.Ordinal);
        Assert.Equal(1, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_FixedSizeJobMemberFails_WaitsForMinThenReplacementJoinsWithoutCooldown()
    {
        var job = Jobs.Elastic(replicas: 2);
        var w = new JobWorld(job with { Spec = job.Spec with { Elastic = null } });
        w.Settle();
        w.Clock.Advance(5);
        w.Exit("demo-worker-1", 1);

        var a = w.Reconcile();
        Assert.Null(a.Publish); // min = max = 2: no generation of one
        Assert.Equal(R.WaitingForMinReplicas, w.Condition(C.Running).Reason);
        Assert.Equal(1, w.Restarts.FailureRestarts);

        w.Clock.Advance(10);
        Assert.Equal(["demo-worker-2"], w.Reconcile().CreatePods.Select(p => p.Name));
        w.Start("demo-worker-2");
        var b = w.Reconcile();

        Assert.Equal(R.MemberFailed, b.Publish!.Reason); // recovery from a failure: no cooldown
        Assert.Equal(["demo-worker-0", "demo-worker-2"], b.Publish.Members.Select(m => m.Pod));
        Assert.Equal(1, w.Restarts.FailureRestarts); // the vanished or kept member is not counted again
    }

    [Fact]
    public void Reconcile_FailedMemberDeletedBeforeNewGeneration_NotCountedTwice()
    {
        var job = Jobs.Elastic(replicas: 2);
        var w = new JobWorld(job with { Spec = job.Spec with { Elastic = null, RunPolicy = job.Spec.RunPolicy with { FailedPodHistoryLimit = 0 } } });
        w.Settle();
        w.Exit("demo-worker-1", 1);

        var a = w.Reconcile(); // counted, then deleted (history limit 0) while still in generation 1
        Assert.Equal(["demo-worker-1"], a.DeletePods.Select(d => d.Name));
        Assert.False(w.Pods.ContainsKey("demo-worker-1"));
        w.Reconcile();
        w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_DrainedPodTerminatesWithError_NotCounted()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.KeepTerminating = true;
        w.Settle();
        w.Clock.Advance(120);
        w.SetSpec(s => s with { Replicas = 1 });
        w.Reconcile();
        w.Clock.Advance(30);
        Assert.Equal(["demo-worker-1"], w.Reconcile().DeletePods.Select(d => d.Name));

        w.Exit("demo-worker-1", 143); // SIGTERM on the way out
        w.Reconcile();

        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Empty(w.Restarts.CountedPodUIDs);
    }

    [Fact]
    public void Reconcile_MemberFailsWhileDrainedPodStillReady_DrainedPodIsNoCandidateAndAReplacementJoins()
    {
        // Seen in the end-to-end test: a scale-down to 1 drains worker-1, the last member fails before worker-1's
        // exit is observed. worker-1 still shows Ready from the generation it left; it is leaving, not a standby.
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        w.Clock.Advance(120);
        w.SetSpec(s => s with { Replicas = 1 });
        Assert.Equal(["demo-worker-0"], w.Reconcile().Publish!.Members.Select(m => m.Pod));
        Assert.True(w.Pods["demo-worker-1"].Ready);
        w.Exit("demo-worker-0", 137);

        var a = w.Reconcile();

        Assert.Null(a.Publish);
        Assert.Equal(R.WaitingForMinReplicas, w.Condition(C.Running).Reason);
        Assert.Equal(1, w.Restarts.FailureRestarts);

        w.Exit("demo-worker-1", 0, """{"result":"removed"}""");
        w.Clock.Advance(10);
        var created = w.Reconcile().CreatePods.Select(p => p.Name).ToList();
        Assert.Single(created);
        w.Start(created[0]);
        var b = w.Reconcile();
        Assert.Equal([created[0]], b.Publish!.Members.Select(m => m.Pod));
        Assert.Equal(1, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_MemberFailsWhileDrainedPodNotReadyOnItsWayOut_DrainedPodIsNoCandidate()
    {
        // The drained pod's readiness probe already failed (its worker is shutting down) but its exit is not observed
        // yet: it looks like a standby (started, Running, not Ready). The record lists it as leaving.
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        w.Clock.Advance(120);
        w.SetSpec(s => s with { Replicas = 1 });
        var shrink = w.Reconcile().Publish!;
        Assert.Equal([w.Pods["demo-worker-1"].Uid], shrink.LeavingPodUids);
        Assert.Equal(shrink.LeavingPodUids, MembershipRecord.FromJson(shrink.ToJson()).LeavingPodUids);
        w.Update("demo-worker-1", p => p with { Ready = false, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.False, w.Clock.Now)] });
        w.Exit("demo-worker-0", 137);

        var a = w.Reconcile();

        Assert.Null(a.Publish);
        Assert.Equal(R.WaitingForMinReplicas, w.Condition(C.Running).Reason);
        w.Exit("demo-worker-1", 0, """{"result":"removed"}""");
        w.Clock.Advance(10);
        var created = w.Reconcile().CreatePods.Select(p => p.Name).ToList();
        w.Start(Assert.Single(created));
        var b = w.Reconcile();
        Assert.Equal([created[0]], b.Publish!.Members.Select(m => m.Pod));
        Assert.Empty(b.Publish.LeavingPodUids); // the leaving pod is gone; worker-0 failed (not a planned leave)
    }

    [Fact]
    public void Reconcile_RedisAheadOfLostStatusWrite_ResyncsSummaryWithoutRepublishing()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        var status = w.Status;
        w.Clock.Advance(200);
        w.SetSpec(s => s with { Replicas = 1 });
        var a = w.Reconciler.Reconcile(w.Observe()); // published, but the status write is lost
        w.Membership = a.Publish;
        w.Reconciler = new TwaJobReconciler(w.Options, w.Clock);

        var b = w.Reconcile();

        Assert.Null(b.Publish);
        Assert.Equal(a.Publish!.Generation, w.Status.Membership!.Generation);
        Assert.Equal(1, w.Status.Membership.WorldSize);
        Assert.Equal(R.ScaleDown, w.Status.Membership.Reason);
        Assert.NotSame(status, w.Status);
    }

    [Fact]
    public void Reconcile_FailureAndRecovery_ReportsJobMetrics()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3));
        w.Reconcile();
        w.StartAll();
        var published = w.Reconcile();
        Assert.Equal("scale_up", published.Metrics!.ReconfigurationTrigger);
        w.Clock.Advance(7);
        w.MembersReady();
        var ready = w.Reconcile().Metrics!;
        Assert.Equal(7, ready.ReconfigurationSeconds);
        Assert.Equal(3, ready.WorldSize);
        Assert.Equal(3, ready.ReadyReplicas);
        Assert.Equal(1, ready.Generation);
        Assert.Equal(ConditionStatus.True, ready.Conditions[C.Running]);

        w.Exit("demo-worker-2", 1);
        var failed = w.Reconcile().Metrics!;

        Assert.Equal([FailureAction.Count], failed.ClassifiedFailures);
        Assert.Equal("failure", failed.ReconfigurationTrigger);
        Assert.Equal(4, failed.RestartBudgetRemaining);
        Assert.Equal(2, failed.WorldSize);
        Assert.Equal(3, failed.DesiredReplicas);
        Assert.Null(failed.ReconfigurationSeconds);
    }

    [Fact]
    public void Reconcile_RecordOfAnotherJobUid_IgnoredAsIfAbsent()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Reconcile();
        w.StartAll();
        w.Membership = new MembershipRecord
        {
            JobUid = "previous-incarnation",
            Generation = 9,
            Members = [new("demo-worker-5", 5, 0)],
            Reason = R.ScaleUp,
            PublishedTime = w.Clock.Now,
        };

        var a = w.Reconciler.Reconcile(w.Observe());

        Assert.Equal(["demo-worker-0", "demo-worker-1"], a.Publish!.Members.Select(m => m.Pod));
        Assert.Equal("0f0e0d0c-uid", a.Publish.JobUid);
        Assert.Equal(1, a.Publish.Generation);
        Assert.Equal(0, a.Status!.Restarts!.FailureRestarts); // its vanished "member" is not ours
    }

    private static void Rejoining(JobWorld w, params string[] pods)
    {
        foreach (var pod in pods)
        {
            w.Update(pod, p => p with { Ready = false, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.False, w.Clock.Now)] });
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(120)]
    public void Reconcile_ScaleDownWhileMembersRejoinAndDrainedPodStillReady_NoSecondScaleDown(int cooldown)
    {
        // Right after a scale-down the remaining members are NotReady while they rejoin, and the drained pod may still
        // look Ready: it is leaving, so it neither counts towards the target nor lets a rejoining member be picked.
        var job = Jobs.Elastic(replicas: 3);
        var w = new JobWorld(job with { Spec = job.Spec with { Elastic = job.Spec.Elastic! with { ScaleCooldownSeconds = cooldown } } });
        w.Settle();
        w.Clock.Advance(200);
        w.SetSpec(s => s with { Replicas = 2 });
        var shrink = w.Reconcile().Publish!;
        Assert.Equal(["demo-worker-0", "demo-worker-1"], shrink.Members.Select(m => m.Pod));
        w.Clock.Advance(3);
        Rejoining(w, "demo-worker-0", "demo-worker-1");

        var a = w.Reconcile();

        Assert.Null(a.Publish);
        Assert.Equal(shrink.Generation, w.Membership!.Generation);
        Assert.Empty(a.DeletePods);
        Assert.Empty(a.CreatePods);
        Assert.Equal(R.AsRequested, w.Condition(C.ScalingLimited).Reason);
        Assert.Equal(R.ScaleDown, w.Condition(C.Reconfiguring).Reason);

        w.Clock.Advance(30); // drain grace: the leaving pod is deleted, nothing replaces it
        var b = w.Reconcile();
        Assert.Null(b.Publish);
        Assert.Equal(["demo-worker-2"], b.DeletePods.Select(d => d.Name));
        Assert.Empty(b.CreatePods);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Equal(1, w.Restarts.PlannedReconfigurations);
    }

    [Fact]
    public void Reconcile_ScaleDownWhileReplacementStandbyWaitsAndMembersRejoin_StandbyIsTheVictim()
    {
        // worker-0 vanished: generation 2 = {1, 2}, a replacement takes ordinal 0 and waits as a standby while the
        // members rejoin (NotReady). A scale-down to 2 then drops the standby, not a rejoining member.
        var w = new JobWorld(Jobs.Elastic(replicas: 3));
        w.Settle();
        w.Clock.Advance(10);
        w.Pods.Remove("demo-worker-0");
        Assert.Equal(["demo-worker-1", "demo-worker-2"], w.Reconcile().Publish!.Members.Select(m => m.Pod));
        Rejoining(w, "demo-worker-1", "demo-worker-2");
        w.Clock.Advance(10);
        Assert.Equal(["demo-worker-0"], w.Reconcile().CreatePods.Select(p => p.Name));
        w.Start("demo-worker-0");
        w.SetSpec(s => s with { Replicas = 2 });

        var a = w.Reconcile();

        Assert.Null(a.Publish);
        Assert.Empty(a.CreatePods);
        Assert.Equal(R.AsRequested, w.Condition(C.ScalingLimited).Reason);
        w.Clock.Advance(60);
        var b = w.Reconcile();
        Assert.Null(b.Publish);
        Assert.Equal(["demo-worker-1", "demo-worker-2"], w.MemberNames);
        Assert.Equal(["demo-worker-0"], b.DeletePods.Select(d => d.Name));
        Assert.Equal(1, w.Restarts.FailureRestarts);
    }
}
