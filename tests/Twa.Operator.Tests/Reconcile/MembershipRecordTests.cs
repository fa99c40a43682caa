using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Tests.Reconcile;

public sealed class MembershipRecordTests
{
    [Fact]
    public void ToJson_Record_HasTheShapeOfOperatorMd33AndRoundTrips()
    {
        var record = new MembershipRecord
        {
            JobUid = "u-1",
            Generation = 7,
            Store = new StoreEndpoint("demo-worker-1.demo.ml.svc", 29507),
            Members = [new("demo-worker-1", 1, 0), new("demo-worker-4", 4, 1)],
            Reason = TwaJobReasons.MemberRejoin,
            PublishedTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        };

        var json = JsonNode.Parse(record.ToJson())!;
        var back = MembershipRecord.FromJson(record.ToJson());

        Assert.Equal("u-1", (string?)json["jobUID"]);
        Assert.Equal(7, (long)json["generation"]!);
        Assert.Equal(2, (int)json["worldSize"]!);
        Assert.Equal("demo-worker-1.demo.ml.svc", (string?)json["store"]!["host"]);
        Assert.Equal(29507, (int)json["store"]!["port"]!);
        Assert.Equal("demo-worker-4", (string?)json["members"]![1]!["pod"]);
        Assert.Equal(4, (int)json["members"]![1]!["ordinal"]!);
        Assert.Equal(1, (int)json["members"]![1]!["rank"]!);
        Assert.Equal("MemberRejoin", (string?)json["reason"]);
        Assert.Equal(record.Members, back.Members);
        Assert.Equal(record with { Members = back.Members }, back);
    }

    [Fact]
    public void FromJson_WorldSizeMismatch_Throws()
    {
        var e = Assert.Throws<FormatException>(() => MembershipRecord.FromJson(
            """{"jobUID":"u","generation":1,"worldSize":2,"members":[{"pod":"a","ordinal":0,"rank":0}],"reason":"ScaleUp","publishedTime":"2026-01-01T00:00:00Z"}"""));
        Assert.Contains("worldSize", e.Message, StringComparison.Ordinal);
    }

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
