using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Operator.Crd;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Crd;

public sealed class ExampleSchemaTests
{
    private static readonly SchemaValidator s_validator =
        new(CrdGenerator.TwaJob()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject(), SchemaDialect.Structural);

    private const string Minimal = """
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: tiny}
        spec:
          training: {model: {arch: mlp}, base: {epochs: 4}}
        """;

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.File("examples"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Repo.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Validate_Example_PassesTheCrdSchemaAndTheLoader(string file)
    {
        var text = File.ReadAllText(Repo.File(file));
        var job = YamlToJson.Single(text);
        Assert.Empty(s_validator.Validate(job));
        Assert.Empty(s_validator.Validate(s_validator.WithDefaults(job)));
        Assert.Equal(V1Alpha1TwaJob.KindValue, TwaJobLoader.Parse(text, file).Kind);
    }

    [Fact]
    public void Examples_IncludeAnElasticClusterJob()
    {
        var job = TwaJobLoader.Load(Repo.File("examples/cluster/fashion-mnist-lenet-elastic.yaml"));
        Assert.NotNull(job.Spec.Elastic);
        Assert.NotNull(job.Spec.Redis);
        Assert.NotNull(job.Spec.Template);
    }

    [Theory]
    [InlineData("spec: {replicas: two}", "spec.replicas: expected integer")]
    [InlineData("spec: {replicas: 300}", "spec.replicas: 300 is above the maximum 256")]
    [InlineData("spec: {elastic: {minReplicas: 0, maxReplicas: 2}}", "spec.elastic.minReplicas: 0 is below the minimum 1")]
    [InlineData("spec: {elastic: {minReplicas: 1}}", "spec.elastic.maxReplicas: required field missing")]
    [InlineData("spec: {elastik: {}}", "spec.elastik: unknown field")]
    [InlineData("spec: {runPolicy: {cleanPodPolicy: running}}", "spec.runPolicy.cleanPodPolicy: \"running\" is not one of")]
    [InlineData("spec: {training: {twa: {variant: Schmidt}}}", "spec.training.twa.variant: \"Schmidt\" is not one of")]
    [InlineData("spec: {training: {model: {arch: mlp, depth: 3}}}", "spec.training.model.depth: unknown field")]
    [InlineData("spec: {failurePolicy: {rules: [{action: Count, onExitCodes: {operator: In, values: [1, 1]}}]}}", "spec.failurePolicy.rules[0].onExitCodes.values: duplicate items")]
    [InlineData("status: {conditions: [{type: Running, status: 'True', reason: R, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}, {type: Running, status: 'False', reason: R, message: '', lastTransitionTime: '2025-01-01T00:00:00Z'}]}", "status.conditions: duplicate items in a list of type map")]
    public void Validate_BadJob_IsRejectedWithThePath(string patch, string expected)
    {
        var job = YamlToJson.Single(Minimal)!.AsObject();
        Merge(job, YamlToJson.Single(patch)!.AsObject());
        var problems = s_validator.Validate(job);
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    public static TheoryData<string> DefaultingCases() => new()
    {
        "",
        "  replicas: 3\n  elastic: {minReplicas: 2, maxReplicas: 4}\n",
        "  redis: {address: 'r:6379'}\n  failurePolicy: {maxRestarts: 2}\n  runPolicy: {suspend: true}\n",
        "  failurePolicy: {rules: [{action: Count, onPodConditions: [{type: X}]}]}\n  scheduling: {gang: None}\n",
        "  monitoring: {}\n  template: {spec: {containers: [{name: trainer, image: 'x:1'}]}}\n",
    };

    /// <summary>What the API server stores after applying the CRD defaults binds to the same spec as what the
    /// user wrote: the CRD's defaults are the binder's.</summary>
    [Theory]
    [MemberData(nameof(DefaultingCases))]
    public void WithDefaults_OperatorFields_BindToTheSameSpecAsTheOriginal(string specLines)
    {
        var yaml = Minimal + "\n" + specLines;
        var original = TwaJobLoader.Parse(yaml, "original");
        var defaulted = s_validator.WithDefaults(YamlToJson.Single(yaml))!;
        Assert.Empty(s_validator.Validate(defaulted));
        var stored = TwaJobLoader.Parse(defaulted.ToJsonString(), "defaulted");
        Assert.Equal(SchemaGenerator.ToJson(original.Spec)!.ToJsonString(), SchemaGenerator.ToJson(stored.Spec)!.ToJsonString());

        // And every operator-owned default is now explicit in the stored object (api-conventions: defaults are visible).
        var spec = defaulted["spec"]!;
        Assert.NotNull(spec["replicas"]);
        Assert.NotNull(spec["failurePolicy"]!["rules"]);
        Assert.NotNull(spec["runPolicy"]!["cleanPodPolicy"]);
        Assert.NotNull(spec["monitoring"]!["port"]);
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject p && target[key] is JsonObject t)
            {
                Merge(t, p);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }
}
