using System.Globalization;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using C = Twa.Jobs.Operator.TwaJobConditions;
using R = Twa.Jobs.Operator.TwaJobReasons;

namespace Twa.Operator.Tests.Reconcile;

/// <summary>Completion as the trainer reports it (OPERATOR.md 3.5, 4.3 step 7): after the exit barrier every rank
/// exits 0 with <c>{"result":"completed","generation":G}</c>, and the kubelet reports those exits in any order.</summary>
public sealed class ReconcilerCompletionTests
{
    private static string Completed(long generation, string extra = "") =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"result":"completed","generation":{{generation}}{{extra}}}""");

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
}
