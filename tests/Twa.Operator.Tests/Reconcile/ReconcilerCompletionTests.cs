using System.Globalization;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using C = Twa.Jobs.Operator.TwaJobConditions;
using R = Twa.Jobs.Operator.TwaJobReasons;

namespace Twa.Operator.Tests.Reconcile;

/// <summary>Completion as the trainer reports it (OPERATOR.md 3.5, 4.3 step 7): after the exit barrier every rank
/// exits 0 with <c>{"result":"completed","generation":G,"rank":r}</c> (older workers without the rank), and the kubelet
/// reports those exits in any order.</summary>
public sealed class ReconcilerCompletionTests
{
    private static string Completed(long generation, string extra = "") =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"result":"completed","generation":{{generation}}{{extra}}}""");

    private static string Completed(long generation, int rank, string extra = "") =>
        Completed(generation, string.Create(CultureInfo.InvariantCulture, $$""","rank":{{rank}}{{extra}}"""));

    [Fact]
    public void Reconcile_OtherRanksCompletedBeforeRankZero_NoFailureNoGenerationThenSucceeds()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 1));
        w.Settle();
        var g = w.Membership!.Generation;
        var published = w.Published.Count;

        w.Exit("demo-worker-1", 0, Completed(g));
        var a = w.Reconcile();
        Assert.Null(a.Publish);
        Assert.Empty(a.CreatePods);
        Assert.Empty(a.DeletePods);
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);

        // rank 0 is slow to exit: past memberLostTimeoutSeconds the finished ranks are still no failure
        w.Clock.Advance(120);
        w.Exit("demo-worker-2", 0, Completed(g));
        a = w.Reconcile();
        Assert.Null(a.Publish);
        Assert.Empty(a.CreatePods);
        Assert.Empty(a.DeletePods);
        Assert.Equal(0, w.Restarts.FailureRestarts);

        w.Exit("demo-worker-0", 0, Completed(g, ""","message":"twa schmidt: test accuracy 0.9012","testAccuracy":0.9012"""));
        w.Reconcile();

        Assert.Equal(ConditionStatus.True, w.Condition(C.Succeeded).Status);
        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal("twa schmidt: test accuracy 0.9012", w.Status.Result!.Message);
        Assert.Equal(0.9012, w.Status.Result.TestAccuracy);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Equal(published, w.Published.Count);
        Assert.Equal(3, w.Created.Count);
        Assert.DoesNotContain(w.Events, e => e.Reason == R.MemberFailed);
    }

    [Fact]
    public void Reconcile_PlannedGenerationPublishedAsTrainingFinished_CompletionOfTheEarlierGenerationSucceeds()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2, min: 1));
        w.Settle();
        var g = w.Membership!.Generation;
        w.Clock.Advance(120);
        w.SetSpec(s => s with { Replicas = 3 });
        w.Reconcile();
        w.Start("demo-worker-2");
        Assert.Equal(g + 1, w.Reconcile().Publish!.Generation); // the ranks of g finish before they see g + 1

        w.Exit("demo-worker-1", 0, Completed(g));
        var a = w.Reconcile();
        Assert.Null(a.Publish);
        Assert.Equal(0, w.Restarts.FailureRestarts);

        w.Exit("demo-worker-0", 0, Completed(g, ""","message":"done","testAccuracy":0.5"""));
        a = w.Reconcile();

        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal("done", w.Status.Result!.Message);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Equal(["demo-worker-2"], a.DeletePods.Select(d => d.Name)); // cleanPodPolicy Running
    }

    [Fact]
    public void Reconcile_RankZeroFailsAfterAnotherRankCompleted_CountedAndTrainingGoesOn()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 1));
        w.Settle();
        var g = w.Membership!.Generation;
        w.Exit("demo-worker-1", 0, Completed(g));
        w.Reconcile();

        w.Exit("demo-worker-0", 1, "boom");
        var a = w.Reconcile();

        Assert.Equal(1, w.Restarts.FailureRestarts);
        Assert.Equal(R.MemberFailed, a.Publish!.Reason);
        Assert.Equal(["demo-worker-2"], a.Publish.Members.Select(m => m.Pod));
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);
    }

    [Fact]
    public void Reconcile_NonMemberExitsCompleted_NoSuccess()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 1));
        w.Settle();
        var g = w.Membership!.Generation;
        w.Clock.Advance(120);
        w.SetSpec(s => s with { Replicas = 2 });
        Assert.DoesNotContain("demo-worker-2", w.Reconcile().Publish!.Members.Select(m => m.Pod));

        w.Exit("demo-worker-2", 0, Completed(g));
        var a = w.Reconcile();

        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);
        Assert.Equal(["demo-worker-2"], a.DeletePods.Select(d => d.Name));
        Assert.Equal(0, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_LaterGenerationGaveRankZeroToAnotherPod_CompletionOfTheEarlierRankZeroSucceeds()
    {
        // worker-0 vanished: generation 2 = {1, 2} with worker-1 as rank 0. Its replacement takes ordinal 0, and the
        // rejoin generation 3 (rank 0 = the new worker-0) is published while the ranks of 2 pass the exit barrier.
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 1));
        w.Settle();
        w.Clock.Advance(10);
        w.Pods.Remove("demo-worker-0");
        var g = w.Reconcile().Publish!.Generation;
        w.MembersReady();
        w.Clock.Advance(10);
        Assert.Equal(["demo-worker-0"], w.Reconcile().CreatePods.Select(p => p.Name));
        w.Start("demo-worker-0");
        w.Clock.Advance(60);
        var rejoin = w.Reconcile().Publish!;
        Assert.Equal(g + 1, rejoin.Generation);
        Assert.Equal("demo-worker-0", rejoin.RankZero!.Pod);

        w.Exit("demo-worker-2", 0, Completed(g, 1));
        var a = w.Reconcile();
        Assert.Null(a.Publish);
        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);

        w.Exit("demo-worker-1", 0, Completed(g, 0, ""","message":"done","testAccuracy":0.75"""));
        a = w.Reconcile();

        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal("done", w.Status.Result!.Message);
        Assert.Equal(0.75, w.Status.Result.TestAccuracy);
        Assert.Equal(1, w.Restarts.FailureRestarts); // the vanished pod only
        Assert.Equal(["demo-worker-0"], a.DeletePods.Select(d => d.Name)); // cleanPodPolicy Running
    }

    /// <summary>A settled 3-worker elastic job whose rank 0 (worker-0) went NotReady past the exit barrier, then scaled to
    /// 2 (not yet reconciled); returns the world and the generation the ranks completed.</summary>
    private static (JobWorld World, long Generation) RankZeroPastTheBarrierThenScaledDown()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 3, min: 1));
        w.Settle();
        var g = w.Membership!.Generation;
        w.Clock.Advance(120);
        w.Update("demo-worker-0", p => p with { Ready = false, Conditions = [new ObservedPodCondition("Ready", ConditionStatus.False, w.Clock.Now)] });
        w.SetSpec(s => s with { Replicas = 2 });
        return (w, g);
    }

    [Fact]
    public void Reconcile_RankZeroDrainedAfterItsGenerationFinished_ItsCompletionSucceeds()
    {
        // Past the exit barrier rank 0 is no longer stepping (NotReady), and a scale-down drains it: generation 2 makes
        // worker-1 rank 0 and lists worker-0 as leaving. worker-0's completion of generation 1 as rank 0 is the result.
        var (w, g) = RankZeroPastTheBarrierThenScaledDown();
        var shrink = w.Reconcile().Publish!;
        Assert.Equal(["demo-worker-1", "demo-worker-2"], shrink.Members.Select(m => m.Pod));
        Assert.Equal([w.Pods["demo-worker-0"].Uid], shrink.LeavingPodUids);

        w.Exit("demo-worker-0", 0, Completed(g, 0, ""","message":"twa: test accuracy 0.8","testAccuracy":0.8"""));
        w.Reconcile();

        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal("twa: test accuracy 0.8", w.Status.Result!.Message);
        Assert.Equal(0.8, w.Status.Result.TestAccuracy);
        Assert.Equal(0, w.Restarts.FailureRestarts);
    }

    [Fact]
    public void Reconcile_RankOneOfAnEarlierGenerationIsRankZeroNow_ItsCompletionIsNoResult()
    {
        // Generation 2 made worker-1 rank 0, but its message says it completed generation 1 as rank 1: the result is
        // rank 0's of generation 1 (worker-0, leaving), not worker-1's.
        var (w, g) = RankZeroPastTheBarrierThenScaledDown();
        Assert.Equal("demo-worker-1", w.Reconcile().Publish!.RankZero!.Pod);

        w.Exit("demo-worker-1", 0, Completed(g, 1));
        var a = w.Reconcile();

        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);
        Assert.Null(a.Publish);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        w.Exit("demo-worker-0", 0, Completed(g, 0, ""","testAccuracy":0.8"""));
        w.Reconcile();
        Assert.Equal(R.TrainerCompleted, w.Condition(C.Succeeded).Reason);
        Assert.Equal(0.8, w.Status.Result!.TestAccuracy);
    }

    [Fact]
    public void Reconcile_StandbyNeverAMemberClaimsRankZero_NoSuccessNotCounted()
    {
        var w = new JobWorld(Jobs.Elastic(replicas: 2, min: 1));
        w.Settle();
        var g = w.Membership!.Generation;
        w.SetSpec(s => s with { Replicas = 3 });
        w.Reconcile();
        w.Start("demo-worker-2");
        Assert.Null(w.Reconcile().Publish); // cooldown: worker-2 waits as a standby

        w.Exit("demo-worker-2", 0, Completed(g, 0));
        var a = w.Reconcile();

        Assert.NotEqual(ConditionStatus.True, w.Condition(C.Succeeded).Status);
        Assert.Equal(0, w.Restarts.FailureRestarts);
        Assert.Contains("demo-worker-2", a.DeletePods.Select(d => d.Name));
    }
}
