using System.Text.Json.Nodes;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Serialization;

namespace Twa.Kubernetes.Tests.Models;

public sealed class SerializationTests
{
    private const string PodJson = """
        {
          "apiVersion": "v1",
          "kind": "Pod",
          "metadata": {
            "name": "job-0", "namespace": "ns", "uid": "u-1", "resourceVersion": "42", "generation": 1,
            "creationTimestamp": "2026-03-01T10:00:00Z",
            "labels": {"twa.dev/job-name": "job"},
            "ownerReferences": [{"apiVersion": "twa.dev/v1alpha1", "kind": "TwaJob", "name": "job", "uid": "owner-1", "controller": true}],
            "futureMetaField": {"x": 1}
          },
          "spec": {"containers": [{"name": "trainer", "image": "twa:1", "resources": {"limits": {"nvidia.com/gpu": "1"}}}], "someNewField": [1, 2]},
          "status": {
            "phase": "Failed",
            "conditions": [{"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}],
            "containerStatuses": [{
              "name": "trainer", "ready": false, "started": false, "restartCount": 2,
              "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "message": "{\"kind\":\"oom\"}", "finishedAt": "2026-03-01T10:05:00Z"}}
            }]
          },
          "unknownTopLevel": "kept"
        }
        """;

    [Fact]
    public void Deserialize_Pod_TypedStatusAndPassThroughSpec()
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(PodJson);

        Assert.Equal("42", pod.Metadata.ResourceVersion);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), pod.Metadata.CreationTimestamp);
        Assert.True(pod.Metadata.OwnerReferences![0].Controller);
        var terminated = pod.Status!.ContainerStatuses![0].State!.Terminated!;
        Assert.Equal(137, terminated.ExitCode);
        Assert.Equal("OOMKilled", terminated.Reason);
        Assert.Equal("{\"kind\":\"oom\"}", terminated.Message);
        Assert.Equal("DisruptionTarget", pod.Status.Conditions![0].Type);
        Assert.Equal("1", pod.Spec!["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]!.GetValue<string>());
    }

    [Fact]
    public void Serialize_PodReadFromServer_RoundTripsUnknownFieldsUntouched()
    {
        var pod = KubernetesJson.Deserialize<V1Pod>(PodJson);

        var written = JsonNode.Parse(KubernetesJson.Serialize(pod))!;

        Assert.Equal("kept", written["unknownTopLevel"]!.GetValue<string>());
        Assert.Equal(1, written["metadata"]!["futureMetaField"]!["x"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(PodJson)!["spec"], written["spec"]));
        Assert.Equal("2026-03-01T10:05:00Z", written["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["finishedAt"]!.GetValue<string>());
    }

    [Fact]
    public void Serialize_NullsAndTimes_NullsOmittedAndTimesRfc3339Utc()
    {
        var condition = new V1Condition
        {
            Type = "Running",
            Status = "True",
            Reason = "PodsReady",
            LastTransitionTime = new DateTimeOffset(2026, 3, 1, 12, 30, 15, 123, TimeSpan.FromHours(2)),
        };

        var json = KubernetesJson.Serialize(condition);

        Assert.Equal("""{"type":"Running","status":"True","lastTransitionTime":"2026-03-01T10:30:15Z","reason":"PodsReady"}""", json);
    }

    [Fact]
    public void Serialize_LeaseTimes_MicroTimePrecision()
    {
        var lease = new V1Lease { Spec = { HolderIdentity = "a", RenewTime = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560) } };

        var json = JsonNode.Parse(KubernetesJson.Serialize(lease))!;
        var back = KubernetesJson.Deserialize<V1Lease>(json.ToJsonString());

        Assert.Equal("2026-03-01T10:00:00.123456Z", json["spec"]!["renewTime"]!.GetValue<string>());
        Assert.Equal(lease.Spec.RenewTime, back.Spec.RenewTime);
        Assert.Null(json["spec"]!["acquireTime"]);
    }

    [Fact]
    public void Serialize_SecretData_Base64OnTheWire()
    {
        var secret = new V1Secret { Data = new Dictionary<string, byte[]> { ["password"] = "s3cr3t"u8.ToArray() } };

        var json = JsonNode.Parse(KubernetesJson.Serialize(secret))!;

        Assert.Equal("czNjcjN0", json["data"]!["password"]!.GetValue<string>());
        Assert.Equal("s3cr3t"u8.ToArray(), KubernetesJson.Deserialize<V1Secret>(json.ToJsonString()).Data!["password"]);
    }

    [Fact]
    public void Deserialize_StatusBody_ReadsCodeReasonAndCauses()
    {
        var status = KubernetesJson.Deserialize<V1Status>("""
            {"kind":"Status","apiVersion":"v1","status":"Failure","message":"bad","reason":"Invalid","code":422,
             "details":{"name":"j","kind":"twajobs","causes":[{"reason":"FieldValueInvalid","field":"spec.replicas","message":"too big"}]}}
            """);

        Assert.Equal(422, status.Code);
        Assert.Equal("spec.replicas", status.Details!.Causes![0].Field);
    }
}
