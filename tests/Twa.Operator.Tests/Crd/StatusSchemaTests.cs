using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Operator.Crd;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Crd;

public sealed class StatusSchemaTests
{
    private static readonly JsonObject s_status =
        CrdGenerator.TwaJob()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["status"]!.AsObject();

    [Fact]
    public void ToJson_FullStatus_ValidatesAgainstTheCrdStatusSchema()
    {
        var now = new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero);
        var status = new V1Alpha1TwaJobStatus
        {
            ObservedGeneration = 2,
            Conditions = [.. TwaJobConditions.All.Select(t => new V1Condition
            {
                Type = t, Status = ConditionStatus.Unknown, Reason = "Pending", Message = "first reconcile", LastTransitionTime = now, ObservedGeneration = 2,
            })],
            Replicas = 3,
            ReadyReplicas = 2,
            Selector = TwaJobConditions.WorkerSelector("j1"),
            Membership = new MembershipStatus { Generation = 1, WorldSize = 3, StoreEndpoint = "j1-worker-0.j1:29500", Reason = "ScaleUp", PublishedTime = now },
            Restarts = new RestartsStatus
            {
                FailureRestarts = 1, CountedPodUIDs = ["u1"], NextReplacementTime = now,
                LastFailure = new FailureRecord { Time = now, Pod = "j1-worker-1", Node = "n1", Reason = "Error", ExitCode = 1 },
            },
            StartTime = now,
            Result = new JobResultStatus { Message = "completed", TestAccuracy = 0.9 },
        };
        var validator = new SchemaValidator(s_status, SchemaDialect.Structural);
        Assert.Empty(validator.Validate(TwaJobJson.ToJson(status)));
    }

    [Fact]
    public void ToJson_DuplicateConditionType_IsRejectedByTheListMap()
    {
        var c = new V1Condition { Type = TwaJobConditions.Running, Reason = "R", LastTransitionTime = DateTimeOffset.UnixEpoch };
        var json = TwaJobJson.ToJson(new V1Alpha1TwaJobStatus { Conditions = [c, c with { Status = ConditionStatus.True }] });
        Assert.Contains(new SchemaValidator(s_status, SchemaDialect.Structural).Validate(json), p => p.Contains("duplicate items", StringComparison.Ordinal));
    }
}
