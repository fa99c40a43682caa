using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Tests.Reconcile;

public sealed class FailureClassifierTests
{
    [Theory]
    [InlineData("""{"result":"completed","message":"done","testAccuracy":0.9123,"generation":4}""", "completed", "done", 0.9123)]
    [InlineData("""{"result":"error","reason":"shard does not fit"}""", "error", "shard does not fit", null)]
    [InlineData("Traceback ...\nRuntimeError: boom", "error", "RuntimeError: boom", null)]
    public void TrainerTerminationParse_Messages_ReadResultMessageAndAccuracy(string text, string result, string message, double? accuracy)
    {
        var t = TrainerTermination.Parse(text)!;
        Assert.Equal(result, t.Result);
        Assert.Equal(message, t.Message);
        Assert.Equal(accuracy, t.TestAccuracy);
    }

    [Theory]
    [InlineData("""{"result":"completed","generation":4,"rank":0}""", 4L, 0)]
    [InlineData("""{"result":"completed","generation":4,"rank":2}""", 4L, 2)]
    [InlineData("""{"result":"completed","generation":4}""", 4L, null)]
    [InlineData("""{"result":"completed","rank":"0"}""", null, null)]
    public void TrainerTerminationParse_GenerationAndRank_ReadWhenNumbers(string text, long? generation, int? rank)
    {
        var t = TrainerTermination.Parse(text)!;
        Assert.Equal(generation, t.Generation);
        Assert.Equal(rank, t.Rank);
    }

    [Fact]
    public void Classify_DefaultRules_DisruptionIgnoredExit3FailJobOtherCounted()
    {
        var rules = FailurePolicySpec.DefaultRules;
        ObservedPod Pod(int exit, params ObservedPodCondition[] conditions) => new()
        {
            Name = "p",
            Uid = "u",
            Ordinal = 0,
            Phase = PodPhase.Failed,
            Containers = [new ObservedContainer("trainer", false, new ContainerTermination(exit, "Error"))],
            Conditions = conditions,
        };

        Assert.Equal(FailureAction.Ignore, FailureClassifier.Classify(rules, Pod(137, new ObservedPodCondition("DisruptionTarget", ConditionStatus.True)), "x").Action);
        Assert.Equal(FailureAction.Count, FailureClassifier.Classify(rules, Pod(137, new ObservedPodCondition("DisruptionTarget", ConditionStatus.False)), "x").Action);
        var fail = FailureClassifier.Classify(rules, Pod(3), "x");
        Assert.Equal(FailureAction.FailJob, fail.Action);
        Assert.Contains("exit code 3 of container trainer", fail.Description, StringComparison.Ordinal);
        Assert.Equal(FailureAction.Count, FailureClassifier.Classify(rules, Pod(1), "x").Action);
        var notIn = new FailurePolicyRule { Action = FailureAction.FailJob, OnExitCodes = new() { Operator = ExitCodeOperator.NotIn, Values = [1, 137] } };
        Assert.Equal(FailureAction.FailJob, FailureClassifier.Classify([notIn], Pod(2), "x").Action);
        Assert.Equal(FailureAction.Count, FailureClassifier.Classify([notIn], Pod(137), "x").Action);
    }
}
