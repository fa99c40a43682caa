using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Jobs.Operator;

namespace Twa.Jobs.Tests.OperatorFields;

public sealed class OperatorSpecTests
{
    private const string Head = """
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: tiny}
        spec:
          training:
            model: {arch: mlp}
            base: {epochs: 4}

        """;

    /// <summary>A job whose spec holds <paramref name="specLines"/> (each indented by two spaces) after training.</summary>
    private static string Job(params string[] specLines) => Head + string.Concat(specLines.Select(l => "  " + l + "\n"));

    private static V1Alpha1TwaJob Parse(params string[] specLines) => TwaJobLoader.Parse(Job(specLines), "job.yaml");

    private static JobFileException Fails(params string[] specLines) =>
        Assert.Throws<JobFileException>(() => TwaJobLoader.Parse(Job(specLines), "job.yaml"));

    [Fact]
    public void Parse_NoOperatorFields_AppliesTheDocumentedDefaults()
    {
        var s = Parse().Spec;
        Assert.Equal(1, s.Replicas);
        Assert.Null(s.Elastic);
        Assert.Null(s.Redis);
        Assert.Null(s.Template);
        Assert.Equal(10, s.FailurePolicy.MaxRestarts);
        Assert.Equal(10, s.FailurePolicy.BackoffSeconds);
        Assert.Equal(300, s.FailurePolicy.MaxBackoffSeconds);
        Assert.Equal(60, s.FailurePolicy.MemberLostTimeoutSeconds);
        Assert.Equal(2, s.FailurePolicy.Rules.Length);
        Assert.Equal(FailureAction.Ignore, s.FailurePolicy.Rules[0].Action);
        Assert.Equal("DisruptionTarget", Assert.Single(s.FailurePolicy.Rules[0].OnPodConditions!).Type);
        Assert.Equal(ConditionStatus.True, s.FailurePolicy.Rules[0].OnPodConditions![0].Status);
        Assert.Equal(FailureAction.FailJob, s.FailurePolicy.Rules[1].Action);
        Assert.Equal(ExitCodeOperator.In, s.FailurePolicy.Rules[1].OnExitCodes!.Operator);
        Assert.Equal([3], s.FailurePolicy.Rules[1].OnExitCodes!.Values);
        Assert.False(s.RunPolicy.Suspend);
        Assert.Null(s.RunPolicy.ActiveDeadlineSeconds);
        Assert.Null(s.RunPolicy.TtlSecondsAfterFinished);
        Assert.Equal(CleanPodPolicy.Running, s.RunPolicy.CleanPodPolicy);
        Assert.Equal(3, s.RunPolicy.FailedPodHistoryLimit);
        Assert.Null(s.Scheduling.SchedulerName);
        Assert.Null(s.Scheduling.PriorityClassName);
        Assert.Equal(GangScheduler.None, s.Scheduling.Gang);
        Assert.Equal(9400, s.Monitoring.Port);
    }

    [Fact]
    public void Parse_ElasticWithOnlyTheRange_DefaultsTheTimeouts()
    {
        var e = Parse("replicas: 3", "elastic: {minReplicas: 2, maxReplicas: 8}").Spec.Elastic!;
        Assert.Equal((2, 8), (e.MinReplicas, e.MaxReplicas));
        Assert.Equal(120, e.ScaleCooldownSeconds);
        Assert.Equal(600, e.PendingTimeoutSeconds);
        Assert.Equal(300, e.RendezvousTimeoutSeconds);
        Assert.Equal(1800, e.MinReplicasTimeoutSeconds);
        Assert.Equal(300, e.CollectiveTimeoutSeconds);
    }

    [Fact]
    public void Parse_RedisWithAddressOnly_DefaultsTlsAndDatabase()
    {
        var r = Parse("redis: {address: redis.ml.svc:6379, passwordSecretRef: {name: twa-redis, key: password}}").Spec.Redis!;
        Assert.Equal("redis.ml.svc:6379", r.Address);
        Assert.Equal(new SecretKeyRef { Name = "twa-redis", Key = "password" }, r.PasswordSecretRef);
        Assert.False(r.Tls);
        Assert.Equal(0, r.Database);
    }

    [Fact]
    public void Parse_FullOperatorSpec_BindsEveryField()
    {
        var s = Parse(
            "replicas: 4",
            "elastic: {minReplicas: 2, maxReplicas: 8, scaleCooldownSeconds: 5, pendingTimeoutSeconds: 6, rendezvousTimeoutSeconds: 7, minReplicasTimeoutSeconds: 0, collectiveTimeoutSeconds: 9}",
            "redis: {address: 'r:1', tls: true, database: 2}",
            "failurePolicy:",
            "  maxRestarts: 1",
            "  backoffSeconds: 2",
            "  maxBackoffSeconds: 4",
            "  memberLostTimeoutSeconds: 5",
            "  rules:",
            "  - {action: Count, onExitCodes: {containerName: trainer, operator: NotIn, values: [0, 3]}}",
            "  - {action: ignore, onPodConditions: [{type: DisruptionTarget, status: 'False'}]}",
            "runPolicy: {suspend: true, activeDeadlineSeconds: 172800, ttlSecondsAfterFinished: 86400, cleanPodPolicy: All, failedPodHistoryLimit: 1}",
            "scheduling: {schedulerName: s, priorityClassName: p, gang: Volcano}",
            "monitoring: {port: 9500}").Spec;
        Assert.Equal(9, s.Elastic!.CollectiveTimeoutSeconds);
        Assert.Equal(0, s.Elastic.MinReplicasTimeoutSeconds);
        Assert.True(s.Redis!.Tls);
        Assert.Equal(2, s.Redis.Database);
        Assert.Equal(2, s.FailurePolicy.Rules.Length);
        Assert.Equal("trainer", s.FailurePolicy.Rules[0].OnExitCodes!.ContainerName);
        Assert.Equal(ExitCodeOperator.NotIn, s.FailurePolicy.Rules[0].OnExitCodes!.Operator);
        Assert.Equal(FailureAction.Ignore, s.FailurePolicy.Rules[1].Action);
        Assert.Equal(ConditionStatus.False, s.FailurePolicy.Rules[1].OnPodConditions![0].Status);
        Assert.Equal(172800L, s.RunPolicy.ActiveDeadlineSeconds);
        Assert.Equal(86400, s.RunPolicy.TtlSecondsAfterFinished);
        Assert.Equal(CleanPodPolicy.All, s.RunPolicy.CleanPodPolicy);
        Assert.Equal(GangScheduler.Volcano, s.Scheduling.Gang);
        Assert.Equal(9500, s.Monitoring.Port);
    }

    [Fact]
    public void Parse_Template_IsRelayedAsJsonWithYamlScalarTypes()
    {
        var t = Parse("template:", "  metadata: {labels: {team: ml}}",
            "  spec: {containers: [{name: trainer, image: 'twa:1', args: ['1', 2], resources: {limits: {nvidia.com/gpu: 1}}, tty: true, x: ~}]}").Spec.Template!;
        var c = t["spec"]!["containers"]![0]!;
        Assert.Equal("trainer", (string?)c["name"]);
        Assert.Equal(JsonValue.Create("1")!.ToJsonString(), c["args"]![0]!.ToJsonString());
        Assert.Equal("2", c["args"]![1]!.ToJsonString());
        Assert.Equal("1", c["resources"]!["limits"]!["nvidia.com/gpu"]!.ToJsonString());
        Assert.Equal("true", c["tty"]!.ToJsonString());
        Assert.Null(c["x"]);
        Assert.Equal("ml", (string?)t["metadata"]!["labels"]!["team"]);
    }

    [Fact]
    public void Parse_UnknownOperatorField_NamesThePathAndSuggestsTheName()
    {
        var e = Fails("elastic: {minReplicas: 1, maxReplica: 2}");
        Assert.Contains(e.Problems, p => p.StartsWith("spec.elastic.maxReplica (line 8, column 29): unknown field; did you mean 'maxReplicas'?", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_UnknownNestedRuleField_NamesTheIndexedPath()
    {
        var e = Fails("failurePolicy: {rules: [{action: Count, onExitCode: {values: [1]}}]}");
        Assert.Contains(e.Problems, p => p.StartsWith("spec.failurePolicy.rules[0].onExitCode (line 8", StringComparison.Ordinal) && p.EndsWith("did you mean 'onExitCodes'?", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("elastic: {maxReplicas: 2}", "spec.elastic.minReplicas (line 8, column 12): required field missing; add 'minReplicas' to spec.elastic")]
    [InlineData("redis: {passwordSecretRef: {name: s}}", "spec.redis.passwordSecretRef.key (line 8, column 30): required field missing")]
    [InlineData("failurePolicy: {rules: [{onPodConditions: [{type: X}]}]}", "spec.failurePolicy.rules[0].action (line 8, column 27): required field missing")]
    [InlineData("failurePolicy: {rules: [{action: Count, onExitCodes: {operator: In}}]}", "spec.failurePolicy.rules[0].onExitCodes.values (line 8, column 56): required field missing")]
    [InlineData("failurePolicy: {rules: [{action: Restart, onExitCodes: {operator: In, values: [1]}}]}", "spec.failurePolicy.rules[0].action (line 8, column 36): 'Restart' is not one of: ignore, count, failjob")]
    [InlineData("runPolicy: {cleanPodPolicy: Some}", "spec.runPolicy.cleanPodPolicy (line 8, column 31): 'Some' is not one of: all, running, none")]
    [InlineData("template: [a]", "spec.template (line 8, column 13): expected a mapping")]
    public void Parse_MalformedOperatorField_ReportsPathAndPosition(string line, string expected)
    {
        var e = Fails(line);
        Assert.Contains(e.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("spec.replicas: must be in [0, 256]", "replicas: 300")]
    [InlineData("spec.replicas: must be in [0, 256]", "replicas: -1")]
    [InlineData("spec.elastic.minReplicas: must be >= 1", "replicas: 0", "elastic: {minReplicas: 0, maxReplicas: 2}")]
    [InlineData("spec.elastic.maxReplicas: must be >= elastic.minReplicas (4); raise maxReplicas or lower minReplicas", "replicas: 0", "elastic: {minReplicas: 4, maxReplicas: 2}")]
    [InlineData("spec.elastic.maxReplicas: must be <= 256", "replicas: 2", "elastic: {minReplicas: 2, maxReplicas: 257}")]
    [InlineData("spec.replicas: 9 is outside elastic [2, 8]; set replicas within the range (or 0 to suspend)", "replicas: 9", "elastic: {minReplicas: 2, maxReplicas: 8}")]
    [InlineData("spec.replicas: 1 is outside elastic [2, 8]", "replicas: 1", "elastic: {minReplicas: 2, maxReplicas: 8}")]
    [InlineData("spec.elastic.scaleCooldownSeconds: must be >= 0", "elastic: {minReplicas: 1, maxReplicas: 1, scaleCooldownSeconds: -1}")]
    [InlineData("spec.elastic.pendingTimeoutSeconds: must be >= 1", "elastic: {minReplicas: 1, maxReplicas: 1, pendingTimeoutSeconds: 0}")]
    [InlineData("spec.elastic.rendezvousTimeoutSeconds: must be >= 1", "elastic: {minReplicas: 1, maxReplicas: 1, rendezvousTimeoutSeconds: 0}")]
    [InlineData("spec.elastic.minReplicasTimeoutSeconds: must be >= 0 (0 = wait forever)", "elastic: {minReplicas: 1, maxReplicas: 1, minReplicasTimeoutSeconds: -5}")]
    [InlineData("spec.elastic.collectiveTimeoutSeconds: must be >= 1", "elastic: {minReplicas: 1, maxReplicas: 1, collectiveTimeoutSeconds: 0}")]
    [InlineData("spec.redis.address: 'redis://r:6379' is not host:port (e.g. redis.ml.svc:6379)", "redis: {address: 'redis://r:6379'}")]
    [InlineData("spec.redis.address: 'redis' is not host:port", "redis: {address: redis}")]
    [InlineData("spec.redis.database: must be >= 0", "redis: {database: -1}")]
    [InlineData("spec.redis.passwordSecretRef.name: required: the name of the Secret", "redis: {passwordSecretRef: {name: '', key: k}}")]
    [InlineData("spec.redis.passwordSecretRef.key: required: the key of the password", "redis: {passwordSecretRef: {name: n, key: ''}}")]
    [InlineData("spec.failurePolicy.maxRestarts: must be >= 0", "failurePolicy: {maxRestarts: -1}")]
    [InlineData("spec.failurePolicy.backoffSeconds: must be >= 0", "failurePolicy: {backoffSeconds: -1}")]
    [InlineData("spec.failurePolicy.maxBackoffSeconds: must be >= backoffSeconds (20)", "failurePolicy: {backoffSeconds: 20, maxBackoffSeconds: 10}")]
    [InlineData("spec.failurePolicy.memberLostTimeoutSeconds: must be >= 1", "failurePolicy: {memberLostTimeoutSeconds: 0}")]
    [InlineData("spec.failurePolicy.rules[0]: give exactly one of onExitCodes or onPodConditions", "failurePolicy: {rules: [{action: Count}]}")]
    [InlineData("spec.failurePolicy.rules[0]: give exactly one of onExitCodes or onPodConditions", "failurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [1]}, onPodConditions: [{type: X}]}]}")]
    [InlineData("spec.failurePolicy.rules[0].onExitCodes.values: must list 1 to 255 exit codes", "failurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: []}}]}")]
    [InlineData("spec.failurePolicy.rules[0].onExitCodes.values: lists an exit code twice", "failurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [1, 1]}}]}")]
    [InlineData("spec.failurePolicy.rules[0].onExitCodes.values: 0 cannot be a failure with operator In", "failurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [0]}}]}")]
    [InlineData("spec.failurePolicy.rules[0].onPodConditions: must list 1 to 20 conditions", "failurePolicy: {rules: [{action: Count, onPodConditions: []}]}")]
    [InlineData("spec.failurePolicy.rules[0].onPodConditions[0].type: required: a pod condition type", "failurePolicy: {rules: [{action: Count, onPodConditions: [{type: ''}]}]}")]
    [InlineData("spec.runPolicy.activeDeadlineSeconds: must be >= 1", "runPolicy: {activeDeadlineSeconds: 0}")]
    [InlineData("spec.runPolicy.ttlSecondsAfterFinished: must be >= 0", "runPolicy: {ttlSecondsAfterFinished: -1}")]
    [InlineData("spec.runPolicy.failedPodHistoryLimit: must be >= 0", "runPolicy: {failedPodHistoryLimit: -1}")]
    [InlineData("spec.monitoring.port: must be a port number in [1, 65535]", "monitoring: {port: 70000}")]
    [InlineData("spec.template.spec: required: a pod spec with a container named 'trainer'", "template: {metadata: {}}")]
    [InlineData("spec.template.spec.containers: required: a list with a container named 'trainer'", "template: {spec: {}}")]
    [InlineData("spec.template.spec.containers: no container named 'trainer'; name the container that runs twa worker 'trainer'", "template: {spec: {containers: [{name: main, image: x}]}}")]
    [InlineData("spec.template.spec.restartPolicy: '\"OnFailure\"' is not allowed; remove it or use Never", "template: {spec: {restartPolicy: OnFailure, containers: [{name: trainer}]}}")]
    [InlineData("spec.template.spec.hostname: is set by the operator (stable per-ordinal DNS names); remove it", "template: {spec: {hostname: h, containers: [{name: trainer}]}}")]
    [InlineData("spec.template.spec.subdomain: is set by the operator", "template: {spec: {subdomain: d, containers: [{name: trainer}]}}")]
    public void Parse_InvalidOperatorField_NamesTheFieldAndTheFix(string expected, params string[] lines)
    {
        var e = Fails(lines);
        Assert.Contains(e.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeventeenRules_ExceedsMaxItems()
    {
        var rules = string.Join(", ", Enumerable.Range(1, 17).Select(i => $"{{action: Count, onExitCodes: {{operator: In, values: [{i}]}}}}"));
        var e = Fails($"failurePolicy: {{rules: [{rules}]}}");
        Assert.Contains("spec.failurePolicy.rules: has 17 rules; at most 16 are allowed", e.Problems);
    }

    [Theory]
    [InlineData("replicas: 0", "elastic: {minReplicas: 2, maxReplicas: 4}")]
    [InlineData("replicas: 2", "elastic: {minReplicas: 2, maxReplicas: 2}")]
    [InlineData("template: {spec: {restartPolicy: Never, containers: [{name: sidecar}, {name: trainer}]}}")]
    [InlineData("redis: {address: '[::1]:6379'}")]
    public void Parse_BoundaryValues_AreAccepted(params string[] lines) => Assert.NotNull(Parse(lines));

    [Fact]
    public void Parse_Status_BindsConditionsAndTimes()
    {
        var yaml = Job() + """
            status:
              observedGeneration: 3
              replicas: 2
              conditions:
              - {type: Running, status: 'True', reason: Training, message: '', lastTransitionTime: '2025-01-31T12:00:00Z', observedGeneration: 3}
              membership: {generation: 5, worldSize: 2}
              restarts: {failureRestarts: 1, countedPodUIDs: [a]}
            """;
        var status = TwaJobLoader.Parse(yaml, "job.yaml").Status!;
        Assert.Equal(3, status.ObservedGeneration);
        var c = Assert.Single(status.Conditions);
        Assert.Equal((TwaJobConditions.Running, ConditionStatus.True, "Training"), (c.Type, c.Status, c.Reason));
        Assert.Equal(new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero), c.LastTransitionTime);
        Assert.Equal(5, status.Membership!.Generation);
        Assert.Equal(["a"], status.Restarts!.CountedPodUIDs);
    }
}
