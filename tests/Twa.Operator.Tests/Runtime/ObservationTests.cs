using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Operator.Runtime;

namespace Twa.Operator.Tests.Runtime;

public sealed class ObservationTests
{
    [Fact]
    public void Job_SpecDoesNotBind_KeepsSpecRedisSoTheCleanupFindsItsKeys()
    {
        var json = new JsonObject
        {
            ["apiVersion"] = "twa.dev/v1alpha1",
            ["kind"] = "TwaJob",
            ["metadata"] = new JsonObject { ["name"] = "demo", ["namespace"] = "ml", ["uid"] = "u-1" },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 2,
                ["replicaz"] = 3,
                ["redis"] = new JsonObject
                {
                    ["address"] = "redis.ml.svc:6379",
                    ["database"] = 2,
                    ["tls"] = true,
                    ["passwordSecretRef"] = new JsonObject { ["name"] = "twa-redis", ["key"] = "password" },
                },
            },
        };

        var job = Observation.Job(TwaJobResource.FromJsonObject(json));

        Assert.Contains(job.BindProblems, p => p.Contains("replicaz", StringComparison.Ordinal));
        Assert.Equal(new RedisSpec { Address = "redis.ml.svc:6379", Database = 2, Tls = true, PasswordSecretRef = new SecretKeyRef { Name = "twa-redis", Key = "password" } },
            job.Job.Spec.Redis);
    }

    [Fact]
    public void Job_SpecAndRedisDoNotBind_NoRedis()
    {
        var json = new JsonObject
        {
            ["apiVersion"] = "twa.dev/v1alpha1",
            ["kind"] = "TwaJob",
            ["metadata"] = new JsonObject { ["name"] = "demo", ["namespace"] = "ml", ["uid"] = "u-1" },
            ["spec"] = new JsonObject { ["replicas"] = 2, ["redis"] = new JsonObject { ["address"] = new JsonArray(1, 2) } },
        };

        var job = Observation.Job(TwaJobResource.FromJsonObject(json));

        Assert.NotEmpty(job.BindProblems);
        Assert.Null(job.Job.Spec.Redis?.Address);
    }
}
