using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using C = Twa.Jobs.Operator.TwaJobConditions;
using R = Twa.Jobs.Operator.TwaJobReasons;

namespace Twa.Operator.Tests.Reconcile;

public sealed class ReconcilerFailureTests
{
    private static JobWorld Running(int replicas = 3, int maxRestarts = 5)
    {
        var job = Jobs.Elastic(replicas: replicas);
        var w = new JobWorld(job with { Spec = job.Spec with { FailurePolicy = job.Spec.FailurePolicy with { MaxRestarts = maxRestarts } } });
        w.Settle();
        w.Clock.Advance(10);
        return w;
    }

    [Fact]
    public void Reconcile_MemberExitsWithOne_CountedOnceShrinksAtOnceThenRejoinsAfterBackoffAndCooldown()
    {
        var w = Running();
        var uid = w.Pods["demo-worker-1"].Uid;
        w.Exit("demo-worker-1", 1, """{"result":"error","message":"CUDA error"}""");

        var a = w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Contains(uid, w.Restarts.CountedPodUIDs);
        Assert.Equal("demo-worker-1", w.Restarts.LastFailure!.Pod);
        Assert.Equal(1, w.Restarts.LastFailure.ExitCode);
        Assert.Equal("node-a", w.Restarts.LastFailure.Node);
        Assert.Contains("CUDA error", w.Restarts.LastFailure.Reason, StringComparison.Ordinal);
        Assert.Equal(w.Clock.Now.AddSeconds(10), w.Restarts.NextReplacementTime);
        var g2 = a.Publish!; // shrink at once, bypassing the cooldown
        Assert.Equal(R.MemberFailed, g2.Reason);
        Assert.Equal(["demo-worker-0", "demo-worker-2"], g2.Members.Select(m => m.Pod));
        Assert.Empty(a.CreatePods); // backoff
        Assert.Empty(a.DeletePods); // Failed pods are kept for kubectl logs (failedPodHistoryLimit 3)
        Assert.Equal(R.MemberFailed, w.Condition(C.Reconfiguring).Reason);
        Assert.Contains(a.Events, e => e.Type == EventType.Warning && e.Reason == R.MemberFailed && e.Message.Contains("demo-worker-1", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(10), a.RequeueAfter);

        // Reconciled again (e.g. a pod event) before anything changed: nothing is counted twice.
        var again = w.Reconcile();
        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Null(again.Publish);
        Assert.Null(again.Status);

        w.Clock.Advance(10);
        var b = w.Reconcile();
        Assert.Equal(["demo-worker-3"], b.CreatePods.Select(p => p.Name)); // the failed pod still holds ordinal 1
        w.Start("demo-worker-3");
        w.MembersReady();
        w.Reconcile();
        Assert.Equal(2, w.Membership!.Generation); // cooldown since the failure generation
        Assert.Equal(R.Cooldown, w.Condition(C.ScalingLimited).Reason);
        w.Clock.Advance(60);
        var g3 = w.Reconcile().Publish!;
        Assert.Equal(R.MemberRejoin, g3.Reason);
        Assert.Equal(["demo-worker-0", "demo-worker-2", "demo-worker-3"], g3.Members.Select(m => m.Pod));
        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(1, w.Restarts.PlannedReconfigurations);
    }

    [Fact]
    public void Reconcile_SecondFailure_DoublesBackoff()
    {
        var w = Running();
        w.Exit("demo-worker-1", 1);
        w.Reconcile();
        w.Exit("demo-worker-2", 137);

        w.Reconcile();

        Assert.Equal(2, w.Restarts.FailureRestarts);
        Assert.Equal(w.Clock.Now.AddSeconds(20), w.Restarts.NextReplacementTime);
        Assert.Equal(["demo-worker-0"], w.MemberNames);
    }

    [Fact]
    public void Reconcile_ExitCodeThree_FailsJobNonRetryableAndCleansRunningPods()
    {
        var w = Running();
        w.Exit("demo-worker-2", 3, """{"result":"error","message":"shard of 9.1 GiB does not fit"}""");

        var a = w.Reconcile();

        Assert.Equal(ConditionStatus.True, w.Condition(C.Failed).Status);
        Assert.Equal(R.NonRetryableExitCode, w.Condition(C.Failed).Reason);
        Assert.Contains("demo-worker-2", w.Condition(C.Failed).Message, StringComparison.Ordinal);
        Assert.Contains("shard of 9.1 GiB does not fit", w.Condition(C.Failed).Message, StringComparison.Ordinal);
        Assert.Equal(ConditionStatus.False, w.Condition(C.Succeeded).Status);
        Assert.Equal(["demo-worker-0", "demo-worker-1"], a.DeletePods.Select(d => d.Name)); // the failed pod stays for its logs
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.NotNull(w.Status.CompletionTime);
    }

    [Fact]
    public void Reconcile_CleanPodPolicyNone_KeepsPodsOnFailure()
    {
        var job = Jobs.Elastic(replicas: 2);
        var w = new JobWorld(job with { Spec = job.Spec with { RunPolicy = job.Spec.RunPolicy with { CleanPodPolicy = CleanPodPolicy.None } } });
        w.Settle();
        w.Exit("demo-worker-0", 3);

        var a = w.Reconcile();

        Assert.Equal(R.NonRetryableExitCode, w.Condition(C.Failed).Reason);
        Assert.Empty(a.DeletePods);
    }

    [Fact]
    public void Reconcile_DisruptionTarget_IgnoredWithoutBudgetOrBackoff()
    {
        var w = Running();
        w.Exit("demo-worker-0", 137, null, new ObservedPodCondition("DisruptionTarget", ConditionStatus.True));

        var a = w.Reconcile();

        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Null(w.Restarts.NextReplacementTime);
        Assert.Equal(R.MemberPreempted, a.Publish!.Reason);
        Assert.Equal(["demo-worker-1", "demo-worker-2"], a.Publish.Members.Select(m => m.Pod));
        Assert.Equal(new StoreEndpoint("demo-worker-1.demo.ml.svc", 29502), a.Publish.Store); // store moves to the lowest live ordinal
        Assert.Equal(["demo-worker-3"], a.CreatePods.Select(p => p.Name));
    }

    [Fact]
    public void Reconcile_BudgetExhausted_FailsWithRestartBudgetExceeded()
    {
        var w = Running(maxRestarts: 1);
        w.Exit("demo-worker-1", 1);
        w.Reconcile();
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Failed).Status);

        w.Exit("demo-worker-2", 1);
        var a = w.Reconcile();

        Assert.Equal(R.RestartBudgetExceeded, w.Condition(C.Failed).Reason);
        Assert.Contains("failurePolicy.maxRestarts=1", w.Condition(C.Failed).Message, StringComparison.Ordinal);
        Assert.Equal(["demo-worker-0"], a.DeletePods.Select(d => d.Name));
        Assert.Equal(2, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_MemberNotReadyPastLostTimeout_CountedAndDeleted()
    {
        var w = Running();
        w.Update("demo-worker-2", p => p with { Ready = false, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.False, w.Clock.Now)] });
        var before = w.Reconcile();
        Assert.Equal(TimeSpan.FromSeconds(60), before.RequeueAfter);
        Assert.Equal(0, w.Restarts.FailureRestarts);

        w.Clock.Advance(60);
        var a = w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(["demo-worker-2"], a.DeletePods.Select(d => d.Name));
        Assert.Equal(["demo-worker-0", "demo-worker-1"], a.Publish!.Members.Select(m => m.Pod));
    }

    [Fact]
    public void Reconcile_FreshReconcilerAfterCrashBetweenStatusAndDelete_NoDuplicatePodsNoDoubleCount()
    {
        var w = Running();
        w.KeepTerminating = true;
        w.Update("demo-worker-2", p => p with { Ready = false, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.False, w.Clock.Now)] });
        w.Clock.Advance(60);
        var observed = w.Observe();
        var first = w.Reconciler.Reconcile(observed);
        Assert.Equal(1, first.Status!.Restarts!.FailureRestarts);

        // The operator wrote status and published, then crashed before deleting the pod; a new leader starts.
        w.Job = w.Job with { Job = w.Job.Job with { Status = first.Status } };
        w.Membership = first.Publish;
        w.Reconciler = new TwaJobReconciler(w.Options, w.Clock);
        var second = w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(["demo-worker-2"], second.DeletePods.Select(d => d.Name));
        Assert.Null(second.Publish);
        Assert.Empty(second.CreatePods); // backoff still running, and nothing is created twice

        var third = new TwaJobReconciler(w.Options, w.Clock).Reconcile(w.Observe());
        Assert.Empty(third.CreatePods);
        Assert.Empty(third.DeletePods); // already Terminating
        Assert.Null(third.Publish);
        Assert.Equal(1, third.Status!.Restarts!.FailureRestarts);
        Assert.Equal(2, third.Status.Replicas); // only the Terminating pod no longer counts
    }

    [Fact]
    public void Reconcile_TerminatingPodHoldsItsOrdinal_ReplacementTakesNextFree()
    {
        var job = Jobs.Elastic(replicas: 2);
        var w = new JobWorld(job with { Spec = job.Spec with { FailurePolicy = job.Spec.FailurePolicy with { BackoffSeconds = 0 } } });
        w.KeepTerminating = true;
        w.Settle();
        w.Pods["demo-worker-0"] = w.Pods["demo-worker-0"] with { DeletionTimestamp = w.Clock.Now, Ready = false }; // node lost, stuck Terminating

        var a = w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(["demo-worker-1"], a.Publish!.Members.Select(m => m.Pod));
        Assert.Equal(["demo-worker-2"], a.CreatePods.Select(p => p.Name));
    }

    [Fact]
    public void Reconcile_StoreUnavailable_NoPublishRunningFalseStoreUnavailable()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Reconcile();
        w.StartAll();
        w.StoreAvailable = false;

        var a = w.Reconcile();

        Assert.Null(a.Publish);
        Assert.Equal(R.StoreUnavailable, w.Condition(C.Running).Reason);
        Assert.Contains("twa-redis:6379", w.Condition(C.Running).Message, StringComparison.Ordinal);
        Assert.Contains(w.Events, e => e.Type == EventType.Warning && e.Reason == R.StoreUnavailable);
    }

    [Fact]
    public void Reconcile_StoreUnavailablePastMinReplicasTimeout_NoFailureNoCountingNoPodChanges()
    {
        var w = Running();
        var g = w.Membership!.Generation;
        w.StoreAvailable = false;
        w.Exit("demo-worker-2", 1, "boom"); // a member fails during the outage

        for (var i = 0; i < 3; i++)
        {
            w.Clock.Advance(1000); // 3000 s > elastic.minReplicasTimeoutSeconds (1800)
            var a = w.Reconcile();
            Assert.Null(a.Publish);
            Assert.Empty(a.CreatePods);
            Assert.Empty(a.DeletePods);
            Assert.True(a.RetryWithBackoff);
        }

        Assert.Equal(R.StoreUnavailable, w.Condition(C.Running).Reason);
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Failed).Status);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Equal(g, w.Status.Membership!.Generation);

        // Redis is back: the failure is counted once and the survivors get the next generation.
        w.StoreAvailable = true;
        var b = w.Reconcile();
        Assert.False(b.RetryWithBackoff);
        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(g + 1, b.Publish!.Generation);
        Assert.Equal(R.MemberFailed, b.Publish.Reason);
        Assert.Equal(["demo-worker-0", "demo-worker-1"], b.Publish.Members.Select(m => m.Pod));
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Failed).Status);
    }

    [Fact]
    public void Reconcile_StoreBackBelowMinReplicas_MinReplicasWaitStartsWhenTheStoreIsBack()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 3));
        w.Settle();
        w.Clock.Advance(10);
        w.StoreAvailable = false;
        w.Reconcile();
        w.Exit("demo-worker-2", 1, "boom");
        w.Clock.Advance(3000);
        w.Reconcile();

        w.StoreAvailable = true;
        w.Reconcile();
        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(R.WaitingForMinReplicas, w.Condition(C.Running).Reason);
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Failed).Status);
        w.Clock.Advance(1799);
        w.Reconcile();
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Failed).Status);

        w.Clock.Advance(1);
        w.Reconcile();
        Assert.Equal(R.MinReplicasUnavailable, w.Condition(C.Failed).Reason);
    }

    [Fact]
    public void Reconcile_StatusWrittenButPublishLost_NextReconcilePublishesWithoutCountingAgain()
    {
        var w = Running();
        w.Update("demo-worker-2", p => p with { Ready = false, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.False, w.Clock.Now)] });
        w.Clock.Advance(60);
        var first = w.Reconciler.Reconcile(w.Observe());
        Assert.Equal(1, first.Status!.Restarts!.FailureRestarts);

        // The status (with the counted UID) was written, then Redis failed (or the operator crashed) before the publish.
        w.Job = w.Job with { Job = w.Job.Job with { Status = first.Status } };
        var second = w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(first.Publish!.Generation, second.Publish!.Generation);
        Assert.Equal(R.MemberFailed, second.Publish.Reason);
        Assert.Equal(["demo-worker-0", "demo-worker-1"], second.Publish.Members.Select(m => m.Pod));
        Assert.Equal(["demo-worker-2"], second.DeletePods.Select(d => d.Name));
        Assert.Equal(second.Publish.Generation, w.Status.Membership!.Generation);
    }

    [Fact]
    public void Reconcile_PlannedGenerationInStatusButNotPublished_CountedOnce()
    {
        var w = Running();
        w.Clock.Advance(120);
        var planned = w.Restarts.PlannedReconfigurations;
        w.SetSpec(s => s with { Replicas = 2 });
        var first = w.Reconciler.Reconcile(w.Observe());
        Assert.Equal(planned + 1, first.Status!.Restarts!.PlannedReconfigurations);

        w.Job = w.Job with { Job = w.Job.Job with { Status = first.Status } }; // the publish did not happen
        var second = w.Reconcile();

        Assert.Equal(first.Publish!.Generation, second.Publish!.Generation);
        Assert.Equal(R.ScaleDown, second.Publish.Reason);
        Assert.Equal(planned + 1, w.Restarts.PlannedReconfigurations);
    }

    [Fact]
    public void Reconcile_ConditionUnchangedStatus_KeepsLastTransitionTime()
    {
        var w = Running();
        var t = w.Condition(C.Running).LastTransitionTime;
        w.Clock.Advance(100);
        w.SetSpec(s => s with { Replicas = 3, Monitoring = s.Monitoring }); // generation bump only

        w.Reconcile();

        Assert.Equal(t, w.Condition(C.Running).LastTransitionTime);
        Assert.Equal(2, w.Condition(C.Running).ObservedGeneration);
        Assert.Equal(2, w.Status.ObservedGeneration);
    }
}
