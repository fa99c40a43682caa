using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using C = Twa.Jobs.Operator.TwaJobConditions;
using R = Twa.Jobs.Operator.TwaJobReasons;

namespace Twa.Operator.Tests.Reconcile;

public sealed class ReconcilerLifecycleTests
{
    [Fact]
    public void Reconcile_NewJob_CreatesPodsChildrenAndPublishesGenerationOneOnceAllStarted()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 1, max: 4));

        var first = w.Reconcile();

        Assert.True(first.AddFinalizer);
        Assert.Equal(["demo-worker-0", "demo-worker-1", "demo-worker-2"], first.CreatePods.Select(p => p.Name));
        Assert.Equal(["Service", "ConfigMap"], first.Apply.Select(a => a.Kind));
        Assert.Null(first.Publish);
        Assert.Equal(C.All, w.Status.Conditions.Select(c => c.Type));
        Assert.All(w.Status.Conditions, c => Assert.Equal(1, c.ObservedGeneration));
        Assert.Equal(R.Pending, w.Condition(C.Running).Reason);
        Assert.Equal("twa.dev/job-name=demo,twa.dev/role=worker", w.Status.Selector);
        Assert.Equal(w.Clock.Now, w.Status.StartTime);

        w.Start("demo-worker-0");
        w.Start("demo-worker-1");
        var partial = w.Reconcile();
        Assert.Null(partial.Publish); // worker-2 is still starting: one generation takes all
        Assert.Empty(partial.Apply); // children unchanged

        w.Start("demo-worker-2");
        var publish = w.Reconcile();
        var g1 = Assert.IsType<MembershipRecord>(publish.Publish);
        Assert.Equal(1, g1.Generation);
        Assert.Equal([("demo-worker-0", 0), ("demo-worker-1", 1), ("demo-worker-2", 2)], g1.Members.Select(m => (m.Pod, m.Rank)));
        Assert.Equal(new StoreEndpoint("demo-worker-0.demo.ml.svc", 29501), g1.Store);
        Assert.Equal("0f0e0d0c-uid", g1.JobUid);
        Assert.Equal(R.ScaleUp, g1.Reason);
        Assert.Equal(ConditionStatus.True, w.Condition(C.Reconfiguring).Status);
        Assert.Equal(3, w.Status.Membership!.WorldSize);

        w.Clock.Advance(5);
        w.MembersReady();
        w.Reconcile();
        Assert.Equal(ConditionStatus.True, w.Condition(C.Running).Status);
        Assert.Equal(R.Training, w.Condition(C.Running).Reason);
        Assert.Equal(R.Stable, w.Condition(C.Reconfiguring).Reason);
        Assert.Equal(w.Clock.Now, w.Status.Membership!.ReadyTime);
        Assert.Equal(3, w.Status.ReadyReplicas);
        Assert.Equal(3, w.Status.Replicas);
        Assert.Equal(0, w.Restarts.PlannedReconfigurations);
        Assert.Contains(w.Events, e => e.Reason == R.Training && e.Type == EventType.Normal);

        var writes = w.StatusWrites;
        w.Clock.Advance(30);
        var steady = w.Reconcile();
        Assert.Null(steady.Status);
        Assert.Equal(writes, w.StatusWrites);
        Assert.Empty(steady.CreatePods);
        Assert.Empty(steady.DeletePods);
        Assert.Null(steady.Publish);
        Assert.False(steady.AddFinalizer);
    }

    [Fact]
    public void Reconcile_ScaleUpTwoToThree_WaitsForCooldownThenPublishesPlannedGeneration()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        var g1 = w.Membership!;

        w.Clock.Advance(10);
        w.SetSpec(s => s with { Replicas = 3 });
        var a = w.Reconcile();
        Assert.Equal(["demo-worker-2"], a.CreatePods.Select(p => p.Name));
        Assert.All(w.Status.Conditions, c => Assert.Equal(2, c.ObservedGeneration));

        w.Start("demo-worker-2");
        var blocked = w.Reconcile();
        Assert.Null(blocked.Publish);
        Assert.Equal(R.Cooldown, w.Condition(C.ScalingLimited).Reason);
        Assert.Equal(g1.PublishedTime.AddSeconds(60) - w.Clock.Now, blocked.RequeueAfter);

        w.Clock.Advance(50);
        var g2 = w.Reconcile().Publish!;
        Assert.Equal(2, g2.Generation);
        Assert.Equal(R.ScaleUp, g2.Reason);
        Assert.Equal(3, g2.WorldSize);
        Assert.Equal(29502, g2.Store!.Port);
        Assert.Equal(1, w.Restarts.PlannedReconfigurations);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Equal(R.AsRequested, w.Condition(C.ScalingLimited).Reason);
    }

    [Fact]
    public void Reconcile_ScaleDownThreeToOne_DrainsHighestOrdinalsFromMembershipBeforeDeleting()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3));
        w.Settle();
        w.Clock.Advance(120);

        w.SetSpec(s => s with { Replicas = 1 });
        var a = w.Reconcile();
        Assert.Equal(["demo-worker-0"], a.Publish!.Members.Select(m => m.Pod));
        Assert.Equal(R.ScaleDown, a.Publish.Reason);
        Assert.Empty(a.DeletePods); // they must first see that they are no longer members
        Assert.Equal(TimeSpan.FromSeconds(10), a.RequeueAfter); // readiness settle of the new generation, before the 30 s drain grace

        w.Exit("demo-worker-2", 0, """{"result":"removed"}""");
        var b = w.Reconcile();
        Assert.Equal(["demo-worker-2"], b.DeletePods.Select(d => d.Name));
        Assert.Equal(w.Deleted.Single().Uid, b.DeletePods[0].Uid);

        w.Clock.Advance(30);
        var c = w.Reconcile();
        Assert.Equal(["demo-worker-1"], c.DeletePods.Select(d => d.Name));
        Assert.Equal(["demo-worker-0"], w.Pods.Keys);
        Assert.False(w.Condition(C.Succeeded).Status == ConditionStatus.True); // exit 0 of a removed pod is no success
        Assert.Equal(0, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_RankZeroCompleted_SucceedsWithResultAndCleansRunningPods()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        w.Exit("demo-worker-1", 0, """{"result":"completed","message":"not rank 0"}""");
        w.Reconcile();
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);

        w.Exit("demo-worker-0", 0, """{"result":"completed","message":"twa schmidt: test accuracy 0.9012","testAccuracy":0.9012}""");
        w.Reconcile();

        Assert.Equal(ConditionStatus.True, w.Condition(C.Succeeded).Status);
        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal(ConditionStatus.False, w.Condition(C.Failed).Status);
        Assert.Equal(R.Succeeded, w.Condition(C.Running).Reason);
        Assert.Equal("twa schmidt: test accuracy 0.9012", w.Status.Result!.Message);
        Assert.Equal(0.9012, w.Status.Result.TestAccuracy);
        Assert.Equal(w.Clock.Now, w.Status.CompletionTime);
        Assert.Contains(w.Events, e => e.Reason == R.TrainerCompleted);
        Assert.Equal(0, w.Restarts.FailureRestarts);

        // Later failures cannot undo success (monotonic).
        w.Clock.Advance(5);
        w.SetSpec(s => s with { Replicas = 99 });
        w.Reconcile();
        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal(ConditionStatus.False, w.Condition(C.Failed).Status);
    }

    [Fact]
    public void Reconcile_CleanPodPolicyRunning_DeletesOnlyNonTerminalPodsAndTtlDeletesJob()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3));
        w.Settle();
        w.Exit("demo-worker-0", 0, """{"result":"completed","testAccuracy":0.5}""");

        var a = w.Reconcile();

        Assert.Equal(["demo-worker-1", "demo-worker-2"], a.DeletePods.Select(d => d.Name));
        Assert.All(a.DeletePods, d => Assert.Equal("CleanPodPolicy", d.Reason));
        Assert.Equal(TimeSpan.FromSeconds(86400), a.RequeueAfter);
        Assert.False(w.JobDeleted);
        w.Clock.Advance(86400);
        Assert.True(w.Reconcile().DeleteJob);
    }

    [Fact]
    public void Reconcile_SuspendThenResume_EmptyGenerationPodsDeletedStartTimeResetBudgetKept()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        w.Clock.Advance(100);

        w.SetSpec(s => s with { RunPolicy = s.RunPolicy with { Suspend = true } });
        var a = w.Reconcile();
        Assert.Empty(a.Publish!.Members);
        Assert.Equal(R.Suspend, a.Publish.Reason);
        Assert.Empty(a.DeletePods);
        Assert.Equal(ConditionStatus.True, w.Condition(C.Suspended).Status);
        Assert.Equal(R.Suspended, w.Condition(C.Running).Reason);
        Assert.Null(w.Status.StartTime);

        w.Exit("demo-worker-0", 0, """{"result":"suspended"}""");
        Assert.Equal(["demo-worker-0"], w.Reconcile().DeletePods.Select(d => d.Name));
        w.Clock.Advance(30);
        Assert.Equal(["demo-worker-1"], w.Reconcile().DeletePods.Select(d => d.Name));
        Assert.Empty(w.Pods);

        w.Clock.Advance(1000);
        w.SetSpec(s => s with { RunPolicy = s.RunPolicy with { Suspend = false } });
        var b = w.Reconcile();
        Assert.Equal(2, b.CreatePods.Count);
        Assert.Equal(R.Resumed, w.Condition(C.Suspended).Reason);
        Assert.Equal(ConditionStatus.False, w.Condition(C.Suspended).Status);
        Assert.Equal(w.Clock.Now, w.Status.StartTime);
        w.StartAll();
        var g = w.Reconcile().Publish!; // no cooldown after a suspend
        Assert.Equal(R.Resume, g.Reason);
        Assert.Equal(3, g.Generation);
        Assert.Equal(["demo-worker-0", "demo-worker-1"], g.Members.Select(m => m.Pod));
    }

    [Fact]
    public void Reconcile_ActiveDeadlinePassed_FailsWithDeadlineExceeded()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2));
        w.Settle();
        Assert.True(w.Reconcile().RequeueAfter <= TimeSpan.FromSeconds(7200));

        w.Clock.Advance(7200);
        var a = w.Reconcile();

        Assert.Equal(ConditionStatus.True, w.Condition(C.Failed).Status);
        Assert.Equal(R.DeadlineExceeded, w.Condition(C.Failed).Reason);
        Assert.Contains("runPolicy.activeDeadlineSeconds=7200", w.Condition(C.Failed).Message, StringComparison.Ordinal);
        Assert.Equal(2, a.DeletePods.Count);
        Assert.Contains(w.Events, e => e.Reason == R.DeadlineExceeded && e.Type == EventType.Warning);
    }

    [Fact]
    public void Reconcile_InvalidSpec_FailsNamingTheFieldAndCreatesNoPods()
    {
        var job = Jobs.Elastic(replicas: 2);
        job = job with { Spec = job.Spec with { Elastic = job.Spec.Elastic! with { MinReplicas = 5 } } };
        var w = new JobWorld(job);

        var a = w.Reconcile();

        Assert.Empty(a.CreatePods);
        Assert.Empty(a.Apply);
        Assert.Equal(R.InvalidSpec, w.Condition(C.Failed).Reason);
        Assert.Contains("spec.elastic.maxReplicas", w.Condition(C.Failed).Message, StringComparison.Ordinal);
        Assert.Contains(w.Events, e => e.Reason == R.InvalidSpec && e.Message.Contains("spec.elastic.maxReplicas", StringComparison.Ordinal));
        Assert.Equal(R.Failed, w.Condition(C.Running).Reason);
    }

    [Fact]
    public void Reconcile_NoRedisAnywhere_FailsWithInvalidSpecNamingRedisAddress()
    {
        var job = Jobs.Elastic();
        var w = new JobWorld(job with { Spec = job.Spec with { Redis = null } });

        w.Reconcile();

        Assert.Equal(R.InvalidSpec, w.Condition(C.Failed).Reason);
        Assert.Contains("spec.redis.address", w.Condition(C.Failed).Message, StringComparison.Ordinal);
        var withDefault = new JobWorld(job with { Spec = job.Spec with { Redis = null } }, new ReconcilerOptions { DefaultRedis = new RedisSpec { Address = "twa-operator-redis:6379" } });
        var pod = withDefault.Reconcile().CreatePods[0].Pod;
        Assert.Contains("redis://twa-operator-redis:6379/0", pod.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_BindProblemsAndMissingTrainerContainer_FailWithInvalidSpecNamingEachField()
    {
        var job = Jobs.Elastic();
        var template = job.Spec.Template!.DeepClone().AsObject();
        template["spec"]!["containers"]![0]!["name"] = "main";
        job = job with { Spec = job.Spec with { Template = template } };
        var w = new JobWorld(job);
        w.Job = w.Job with { BindProblems = ["spec.elastic.maxReplica (line 3, column 5): unknown field; did you mean 'maxReplicas'?"] };

        var a = w.Reconcile();

        Assert.Empty(a.CreatePods);
        var message = w.Condition(C.Failed).Message;
        Assert.Equal(R.InvalidSpec, w.Condition(C.Failed).Reason);
        Assert.Contains("spec.elastic.maxReplica (line 3, column 5): unknown field", message, StringComparison.Ordinal);
        Assert.Contains("spec.template.spec.containers: no container named 'trainer'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_SubSecondClock_StatusTimesHaveWholeSeconds()
    {
        var w = new JobWorld(Jobs.Elastic());
        w.Clock.Advance(0.75);

        w.Reconcile();

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), w.Status.StartTime);
        Assert.All(w.Status.Conditions, c => Assert.Equal(0, c.LastTransitionTime.Millisecond));
    }

    [Fact]
    public void Reconcile_PodsNeverStart_FailsWithMinReplicasUnavailableAfterTimeout()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2, min: 2));
        w.Reconcile();
        w.Clock.Advance(1799);
        w.Reconcile();
        Assert.Equal(R.Pending, w.Condition(C.Running).Reason);
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Failed).Status);

        w.Clock.Advance(1);
        w.Reconcile();

        Assert.Equal(R.MinReplicasUnavailable, w.Condition(C.Failed).Reason);
        Assert.Contains("elastic.minReplicas=2", w.Condition(C.Failed).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_MinReplicasTimeoutWhileAPodIsMissing_FailsWithoutCreatingIt()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2, min: 2));
        w.Reconcile();
        w.Clock.Advance(1800);
        w.Pods.Remove("demo-worker-1"); // e.g. deleted by hand: the planner would replace it

        var a = w.Reconcile();

        Assert.Equal(R.MinReplicasUnavailable, w.Condition(C.Failed).Reason);
        Assert.Empty(a.CreatePods);
        Assert.Equal(["demo-worker-0"], a.DeletePods.Select(d => d.Name)); // cleanPodPolicy Running
        Assert.Equal(TimeSpan.FromSeconds(86400), a.RequeueAfter); // only the TTL is left
    }

    [Fact]
    public void Reconcile_DeletionRequested_DeletesPodsFirstThenCleansRedisPrefixThenRemovesFinalizer()
    {
        var w = new JobWorld(Jobs.Elastic());
        w.Settle();
        w.KeepTerminating = true;
        w.Job = w.Job with { DeletionTimestamp = w.Clock.Now };

        // Running pods would re-create state keys after the cleanup (their commits PERSIST them): they go first.
        var a = w.Reconcile();
        Assert.Equal(["demo-worker-0", "demo-worker-1"], a.DeletePods.Select(d => d.Name));
        Assert.All(a.DeletePods, d => Assert.Equal("JobDeleted", d.Reason));
        Assert.Null(a.RedisCleanupKeyPrefix);
        Assert.False(a.RemoveFinalizer);
        Assert.NotNull(a.RequeueAfter);
        Assert.Null(a.Status);

        var b = w.Reconcile(); // still Terminating: wait
        Assert.Empty(b.DeletePods);
        Assert.Null(b.RedisCleanupKeyPrefix);
        Assert.False(b.RemoveFinalizer);
        Assert.Equal([TwaLabels.RedisCleanupFinalizer], w.Job.Finalizers);

        w.FinishTerminations();
        var c = w.Reconcile();
        Assert.Equal("twa:ml:demo:0f0e0d0c-uid:", c.RedisCleanupKeyPrefix);
        Assert.True(c.RemoveFinalizer);
        Assert.Null(c.Status);
        Assert.Empty(w.Job.Finalizers);
        Assert.Equal(new ReconcileActions().Status, w.Reconcile().Status); // nothing left to do
    }

    [Fact]
    public void Reconcile_NoRedisOrInvalidFromTheStart_AddsNoFinalizerAndDeletionIsNotBlocked()
    {
        var job = Jobs.Elastic();
        var noRedis = new JobWorld(job with { Spec = job.Spec with { Redis = null } });
        Assert.False(noRedis.Reconcile().AddFinalizer);
        Assert.Equal(R.InvalidSpec, noRedis.Condition(C.Failed).Reason);
        Assert.Empty(noRedis.Job.Finalizers);
        var invalid = new JobWorld(job with { Spec = job.Spec with { Elastic = job.Spec.Elastic! with { MinReplicas = 5 } } });
        Assert.False(invalid.Reconcile().AddFinalizer); // nothing was ever published for it
        Assert.Empty(invalid.Job.Finalizers);

        // A finalizer from an older operator on a job without any Redis: nothing to clean, nothing to wait for.
        noRedis.Job = noRedis.Job with { Finalizers = [TwaLabels.RedisCleanupFinalizer], DeletionTimestamp = noRedis.Clock.Now };
        var a = noRedis.Reconcile();
        Assert.Null(a.RedisCleanupKeyPrefix);
        Assert.True(a.RemoveFinalizer);
        Assert.Empty(noRedis.Job.Finalizers);
    }

    [Fact]
    public void Reconcile_DeletionWithSkipAnnotation_RemovesFinalizerWithoutCleanupAndWarns()
    {
        var job = Jobs.Elastic();
        var w = new JobWorld(job with { Metadata = job.Metadata with { Annotations = new Dictionary<string, string> { [TwaLabels.SkipRedisCleanup] = "true" } } });
        w.Reconcile();
        Assert.Equal([TwaLabels.RedisCleanupFinalizer], w.Job.Finalizers);
        w.Job = w.Job with { DeletionTimestamp = w.Clock.Now };

        var a = w.Reconcile();

        Assert.Null(a.RedisCleanupKeyPrefix);
        Assert.True(a.RemoveFinalizer);
        Assert.Contains(a.Events, e => e.Type == EventType.Warning && e.Reason == R.RedisCleanupSkipped);
    }
}
