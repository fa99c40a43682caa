using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Jobs.Operator;

namespace Twa.Jobs.Tests.OperatorFields;

public sealed class TwaJobJsonTests
{
    /// <summary>A TwaJob as the API server returns it: server-managed metadata, defaulted spec, a status.</summary>
    private const string FromServer = """
        {
          "apiVersion": "twa.dev/v1alpha1", "kind": "TwaJob",
          "metadata": {
            "name": "j1", "namespace": "ml", "uid": "5c1e-uid", "generation": 4, "resourceVersion": "991",
            "creationTimestamp": "2025-01-31T12:00:00Z", "finalizers": ["twa.dev/redis-cleanup"],
            "labels": {"team": "ml"},
            "managedFields": [{"manager": "kubectl", "operation": "Apply", "fieldsV1": {"f:spec": {}}}]
          },
          "spec": {
            "replicas": 3,
            "elastic": {"minReplicas": 2, "maxReplicas": 4, "scaleCooldownSeconds": 120, "pendingTimeoutSeconds": 600,
                        "rendezvousTimeoutSeconds": 300, "minReplicasTimeoutSeconds": 1800, "collectiveTimeoutSeconds": 300},
            "failurePolicy": {"maxRestarts": 10, "backoffSeconds": 10, "maxBackoffSeconds": 300, "memberLostTimeoutSeconds": 60,
                              "rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [3]}}]},
            "runPolicy": {"suspend": false, "cleanPodPolicy": "Running", "failedPodHistoryLimit": 3},
            "template": {"spec": {"containers": [{"name": "trainer", "image": "twa:1", "args": ["--x", "1"]}]}},
            "training": {"model": {"arch": "mlp"}, "base": {"epochs": 2}}
          },
          "status": {
            "observedGeneration": 4, "replicas": 3, "readyReplicas": 2, "selector": "twa.dev/job-name=j1,twa.dev/role=worker",
            "conditions": [{"type": "Running", "status": "True", "reason": "Training", "message": "", "observedGeneration": 4,
                            "lastTransitionTime": "2025-01-31T12:05:00Z"}],
            "membership": {"generation": 7, "worldSize": 3, "publishedTime": "2025-01-31T12:04:00Z"},
            "restarts": {"failureRestarts": 1, "plannedReconfigurations": 5, "countedPodUIDs": ["a", "b"],
                         "lastFailure": {"pod": "j1-worker-2", "exitCode": 137, "time": "2025-01-31T12:03:00Z"}}
          }
        }
        """;

    [Fact]
    public void Read_ObjectFromTheApiServer_BindsSpecStatusAndKnownMetadata()
    {
        var job = TwaJobJson.Read(JsonNode.Parse(FromServer)!.AsObject());
        Assert.Equal(("j1", "ml", "5c1e-uid"), (job.Metadata.Name, job.Metadata.Namespace, job.Metadata.Uid));
        Assert.Equal(3, job.Spec.Replicas);
        Assert.Equal(4, job.Spec.Elastic!.MaxReplicas);
        Assert.Equal("twa:1", (string?)job.Spec.Template!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal(FailureAction.FailJob, Assert.Single(job.Spec.FailurePolicy.Rules).Action);
        var status = job.Status!;
        Assert.Equal(ConditionStatus.True, Assert.Single(status.Conditions).Status);
        Assert.Equal(7, status.Membership!.Generation);
        Assert.Equal(137, status.Restarts!.LastFailure!.ExitCode);
        Assert.Equal(new DateTimeOffset(2025, 1, 31, 12, 3, 0, TimeSpan.Zero), status.Restarts.LastFailure.Time);
    }

    [Fact]
    public void Read_InvalidSpec_NamesTheObjectAndTheField()
    {
        var obj = JsonNode.Parse(FromServer)!.AsObject();
        obj["spec"]!["replicas"] = 9;
        obj["spec"]!["template"]!["spec"]!["containers"]![0]!["name"] = "main";
        var e = Assert.Throws<JobFileException>(() => TwaJobJson.Read(obj));
        Assert.StartsWith("ml/j1: 2 problems:", e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Problems, p => p.StartsWith("spec.replicas: 9 is outside elastic [2, 4]", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("spec.template.spec.containers: no container named 'trainer'", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_UnknownSpecField_IsAProblemNotIgnored()
    {
        var obj = JsonNode.Parse(FromServer)!.AsObject();
        obj["spec"]!["runPolicy"]!["suspended"] = true;
        var e = Assert.Throws<JobFileException>(() => TwaJobJson.Read(obj));
        Assert.Contains(e.Problems, p => p.StartsWith("spec.runPolicy.suspended", StringComparison.Ordinal) && p.EndsWith("did you mean 'suspend'?", StringComparison.Ordinal));
    }

    [Fact]
    public void ToJson_Status_RoundTripsThroughRead()
    {
        var original = TwaJobJson.Read(JsonNode.Parse(FromServer)!.AsObject());
        var status = original.Status! with
        {
            CompletionTime = new DateTimeOffset(2025, 2, 1, 1, 2, 3, TimeSpan.FromHours(2)),
            Result = new JobResultStatus { Message = "completed", TestAccuracy = 0.9125 },
        };
        var json = TwaJobJson.ToJson(status)!.AsObject();
        Assert.Equal("2025-01-31T23:02:03Z", (string?)json["completionTime"]);
        Assert.Equal("True", (string?)json["conditions"]![0]!["status"]);
        Assert.False(json.ContainsKey("startTime"));

        var obj = JsonNode.Parse(FromServer)!.AsObject();
        obj["status"] = json;
        var back = TwaJobJson.Read(obj).Status!;
        Assert.Equal(TwaJobJson.ToJson(status)!.ToJsonString(), TwaJobJson.ToJson(back)!.ToJsonString());
        Assert.Equal(0.9125, back.Result!.TestAccuracy);
    }

    [Fact]
    public void ToJson_Spec_UsesTheYamlSpellings()
    {
        var spec = TwaJobJson.Read(JsonNode.Parse(FromServer)!.AsObject()).Spec;
        var json = TwaJobJson.ToJson(spec)!;
        Assert.Equal("Running", (string?)json["runPolicy"]!["cleanPodPolicy"]);
        Assert.Equal("None", (string?)json["scheduling"]!["gang"]);
        Assert.Equal("sgd", (string?)json["training"]!["base"]!["optimizer"]!["name"]);
        Assert.Null(json["redis"]);
    }
}
