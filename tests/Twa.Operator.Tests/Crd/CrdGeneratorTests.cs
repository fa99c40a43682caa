using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Operator.Crd;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Crd;

public sealed class CrdGeneratorTests
{
    private static readonly JsonObject s_crd = CrdGenerator.TwaJob();

    private static JsonObject Version => s_crd["spec"]!["versions"]![0]!.AsObject();

    private static JsonObject Schema => Version["schema"]!["openAPIV3Schema"]!.AsObject();

    private static JsonObject Spec => Schema["properties"]!["spec"]!.AsObject();

    private static JsonObject Prop(JsonObject schema, string dotted) =>
        dotted.Split('.').Aggregate(schema, (s, name) => s["properties"]![name]!.AsObject());

    [Fact]
    public void Render_CommittedCrd_IsNotStale()
    {
        var committed = File.ReadAllText(Repo.File("crds/" + CrdCommand.FileName));
        Assert.True(committed == CrdCommand.Render(),
            $"crds/{CrdCommand.FileName} is stale: the C# types in trainer/Twa.Jobs changed. Run `bin/twa-operator crd` " +
            "(or `dotnet run --project operator/Twa.Operator -- crd`) from the repository root and commit the result.");
    }

    [Fact]
    public void Render_CommittedYaml_ParsesBackToTheGeneratedTree()
    {
        var parsed = YamlToJson.Single(File.ReadAllText(Repo.File("crds/" + CrdCommand.FileName)));
        Assert.True(JsonNode.DeepEquals(s_crd, parsed), "the YAML writer changed a value on the way (quoting, numbers or nesting)");
    }

    [Fact]
    public void Generate_TwaJob_HasNamesScopeAndOneStoredVersion()
    {
        Assert.Equal("twajobs.twa.dev", (string?)s_crd["metadata"]!["name"]);
        Assert.Equal("keep", (string?)s_crd["metadata"]!["annotations"]![CrdGenerator.HelmKeepAnnotation]);
        var names = s_crd["spec"]!["names"]!;
        Assert.Equal(("twajobs", "twajob", "TwaJob", "TwaJobList"),
            ((string?)names["plural"], (string?)names["singular"], (string?)names["kind"], (string?)names["listKind"]));
        Assert.Equal("""["twj"]""", names["shortNames"]!.ToJsonString());
        Assert.Equal("""["twa"]""", names["categories"]!.ToJsonString());
        Assert.Equal("Namespaced", (string?)s_crd["spec"]!["scope"]);
        Assert.Single(s_crd["spec"]!["versions"]!.AsArray());
        Assert.Equal(("v1alpha1", true, true), ((string?)Version["name"], (bool)Version["served"]!, (bool)Version["storage"]!));
    }

    [Fact]
    public void Generate_TwaJob_HasStatusAndScaleSubresources()
    {
        Assert.Equal("""{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}}""",
            Version["subresources"]!.ToJsonString());
        Assert.Equal("integer", (string?)Prop(Schema, "status.replicas")["type"]);
        Assert.Equal("string", (string?)Prop(Schema, "status.selector")["type"]);
    }

    [Fact]
    public void Generate_TwaJob_PrinterColumnsFollowOperatorMd()
    {
        var columns = Version["additionalPrinterColumns"]!.AsArray()
            .Select(c => $"{c!["name"]}|{c["type"]}|{c["jsonPath"]}|{c["priority"]?.ToJsonString() ?? "0"}").ToArray();
        Assert.Equal(
        [
            "State|string|.status.conditions[?(@.type==\"Running\")].reason|0",
            "Desired|integer|.spec.replicas|0",
            "Ready|integer|.status.readyReplicas|0",
            "World|integer|.status.membership.worldSize|0",
            "Restarts|integer|.status.restarts.failureRestarts|0",
            "Age|date|.metadata.creationTimestamp|0",
            "Min|integer|.spec.elastic.minReplicas|1",
            "Max|integer|.spec.elastic.maxReplicas|1",
            "Gen|integer|.status.membership.generation|1",
        ], columns);
    }

    [Fact]
    public void Generate_Spec_HasTheCelRulesGuardedByHasElastic()
    {
        var rules = Spec["x-kubernetes-validations"]!.AsArray().Select(r => (string)r!["rule"]!).ToArray();
        Assert.Contains("!has(self.elastic) || self.elastic.minReplicas <= self.elastic.maxReplicas", rules);
        Assert.Contains(rules, r => r.StartsWith("!has(self.elastic) || self.replicas == 0 || (self.replicas >= self.elastic.minReplicas", StringComparison.Ordinal));
        Assert.Contains(rules, r => r.Contains("oldSelf.runPolicy.suspend", StringComparison.Ordinal) && r.EndsWith("self.training == oldSelf.training", StringComparison.Ordinal));
        Assert.All(Spec["x-kubernetes-validations"]!.AsArray(), r => Assert.False(string.IsNullOrEmpty((string?)r!["message"])));
    }

    [Fact]
    public void Generate_StatusConditions_AreAListMapKeyedByType()
    {
        var conditions = Prop(Schema, "status.conditions");
        Assert.Equal("map", (string?)conditions["x-kubernetes-list-type"]);
        Assert.Equal("""["type"]""", conditions["x-kubernetes-list-map-keys"]!.ToJsonString());
        Assert.Equal(8, (int)conditions["maxItems"]!);
        var item = conditions["items"]!.AsObject();
        Assert.Equal("""["lastTransitionTime","message","reason","status","type"]""", item["required"]!.ToJsonString());
        Assert.Equal("""["True","False","Unknown"]""", item["properties"]!["status"]!["enum"]!.ToJsonString());
        Assert.Equal("date-time", (string?)item["properties"]!["lastTransitionTime"]!["format"]);
    }

    [Fact]
    public void Generate_Template_PreservesUnknownFields()
    {
        var template = Prop(Spec, "template");
        Assert.Equal("object", (string?)template["type"]);
        Assert.True((bool)template["x-kubernetes-preserve-unknown-fields"]!);
        Assert.Null(template["properties"]);
    }

    [Theory]
    [InlineData("replicas", "1")]
    [InlineData("elastic.scaleCooldownSeconds", "120")]
    [InlineData("elastic.pendingTimeoutSeconds", "600")]
    [InlineData("elastic.rendezvousTimeoutSeconds", "300")]
    [InlineData("elastic.minReplicasTimeoutSeconds", "1800")]
    [InlineData("elastic.collectiveTimeoutSeconds", "300")]
    [InlineData("redis.tls", "false")]
    [InlineData("redis.database", "0")]
    [InlineData("failurePolicy", "{}")]
    [InlineData("failurePolicy.maxRestarts", "10")]
    [InlineData("failurePolicy.backoffSeconds", "10")]
    [InlineData("failurePolicy.maxBackoffSeconds", "300")]
    [InlineData("failurePolicy.memberLostTimeoutSeconds", "60")]
    [InlineData("failurePolicy.rules", """[{"action":"Ignore","onPodConditions":[{"status":"True","type":"DisruptionTarget"}]},{"action":"FailJob","onExitCodes":{"operator":"In","values":[3]}}]""")]
    [InlineData("runPolicy", "{}")]
    [InlineData("runPolicy.suspend", "false")]
    [InlineData("runPolicy.cleanPodPolicy", "\"Running\"")]
    [InlineData("runPolicy.failedPodHistoryLimit", "3")]
    [InlineData("scheduling.gang", "\"None\"")]
    [InlineData("monitoring.port", "9400")]
    public void Generate_OperatorOwnedField_HasTheDocumentedDefault(string field, string json)
    {
        Assert.Equal(json, Prop(Spec, field)["default"]?.ToJsonString());
    }

    [Theory]
    [InlineData("elastic.minReplicas")]
    [InlineData("elastic.maxReplicas")]
    [InlineData("runPolicy.activeDeadlineSeconds")]
    [InlineData("runPolicy.ttlSecondsAfterFinished")]
    [InlineData("elastic")]
    [InlineData("redis")]
    [InlineData("template")]
    [InlineData("training")]
    [InlineData("training.seed")]
    [InlineData("training.base.optimizer.lr")]
    public void Generate_RequiredOrUnsetOrTrainingField_HasNoDefault(string field)
    {
        Assert.Null(Prop(Spec, field)["default"]);
    }

    [Fact]
    public void Generate_TrainingEnums_UseTheSpellingsTheBinderAccepts()
    {
        Assert.Equal("""["sgd","adamw"]""", Prop(Spec, "training.base.optimizer.name")["enum"]!.ToJsonString());
        Assert.Equal("""["step","cosine","linear","constant","swa"]""", Prop(Spec, "training.twa.schedule.name")["enum"]!.ToJsonString());
        Assert.Equal("""["schmidt","centered"]""", Prop(Spec, "training.twa.variant")["enum"]!.ToJsonString());
        Assert.Equal("""["swa","ema"]""", Prop(Spec, "training.baselines")["items"]!["enum"]!.ToJsonString());
        Assert.Equal("""["idx","cifar"]""", Prop(Spec, "training.data.format")["enum"]!.ToJsonString());
        Assert.Equal("""["Ignore","Count","FailJob"]""", Prop(Spec, "failurePolicy.rules")["items"]!["properties"]!["action"]!["enum"]!.ToJsonString());
    }

    [Fact]
    public void Generate_EveryEnumSpelling_IsAcceptedByTheBinder()
    {
        // Each enum value the CRD admits, written into a job at its place, must bind with twa train's loader.
        var cases = new (string Yaml, string Field)[]
        {
            ("  runPolicy: {cleanPodPolicy: VALUE}\n", "runPolicy.cleanPodPolicy"),
            ("  scheduling: {gang: VALUE}\n", "scheduling.gang"),
            ("  failurePolicy: {rules: [{action: VALUE, onExitCodes: {operator: In, values: [1]}}]}\n", "failurePolicy.rules.action"),
            ("  failurePolicy: {rules: [{action: Count, onExitCodes: {operator: VALUE, values: [1]}}]}\n", "failurePolicy.rules.onExitCodes.operator"),
            ("  failurePolicy: {rules: [{action: Count, onPodConditions: [{type: X, status: 'VALUE'}]}]}\n", "failurePolicy.rules.onPodConditions.status"),
        };
        foreach (var (yaml, field) in cases)
        {
            var schema = Spec;
            foreach (var part in field.Split('.'))
            {
                schema = schema["properties"]![part]!.AsObject();
                schema = schema["items"] as JsonObject ?? schema;
            }

            foreach (var value in schema["enum"]!.AsArray())
            {
                var job = "apiVersion: twa.dev/v1alpha1\nkind: TwaJob\nmetadata: {name: e}\nspec:\n  training: {model: {arch: mlp}, base: {epochs: 1}}\n"
                    + yaml.Replace("VALUE", (string)value!, StringComparison.Ordinal);
                Assert.NotNull(TwaJobLoader.Parse(job, field));
            }
        }
    }

    [Fact]
    public void Generate_CelRules_ReferenceOnlyFieldsOfTheirSchema()
    {
        var checkedRules = 0;
        void Walk(JsonObject schema, string path)
        {
            foreach (var rule in schema["x-kubernetes-validations"]?.AsArray() ?? [])
            {
                checkedRules++;
                var text = (string)rule!["rule"]!;
                Assert.Equal(text.Count(c => c == '('), text.Count(c => c == ')'));
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\b(?:self|oldSelf)((?:\.[A-Za-z]+)+)"))
                {
                    var node = schema;
                    foreach (var part in m.Groups[1].Value.Split('.', StringSplitOptions.RemoveEmptyEntries))
                    {
                        node = node["properties"]?[part] as JsonObject;
                        Assert.True(node is not null, $"{path}: rule '{text}' reads '{m.Value}', which the schema does not have");
                    }
                }
            }

            foreach (var (_, child) in schema["properties"]?.AsObject() ?? [])
            {
                Walk(child!.AsObject(), path);
            }

            if (schema["items"] is JsonObject items)
            {
                Walk(items, path + "[]");
            }
        }

        Walk(Schema, "openAPIV3Schema");
        Assert.Equal(4, checkedRules);
    }

    [Fact]
    public void Generate_ScaleAndPrinterColumnPaths_ResolveToFieldsOfTheRightType()
    {
        string TypeAt(string jsonPath)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(jsonPath, @"\[\?\(.*?\)\]", "[]");
            JsonObject node = Schema;
            foreach (var part in path.TrimStart('.').Split('.'))
            {
                var name = part.EndsWith("[]", StringComparison.Ordinal) ? part[..^2] : part;
                if (name is "metadata")
                {
                    return "object";
                }

                node = node["properties"]![name]!.AsObject();
                if (part.EndsWith("[]", StringComparison.Ordinal))
                {
                    node = node["items"]!.AsObject();
                }
            }

            return (string)node["type"]!;
        }

        var scale = Version["subresources"]!["scale"]!;
        Assert.Equal("integer", TypeAt((string)scale["specReplicasPath"]!));
        Assert.Equal("integer", TypeAt((string)scale["statusReplicasPath"]!));
        Assert.Equal("string", TypeAt((string)scale["labelSelectorPath"]!));
        foreach (var column in Version["additionalPrinterColumns"]!.AsArray())
        {
            var type = (string)column!["type"]!;
            if (type != "date")
            {
                Assert.Equal(type, TypeAt((string)column["jsonPath"]!));
            }
        }
    }

    [Fact]
    public void Generate_Schema_IsStructural()
    {
        var problems = new List<string>();
        StructuralCheck(Schema, "openAPIV3Schema", problems, underMetadata: false);
        Assert.Empty(problems);
    }

    private static void StructuralCheck(JsonObject s, string path, List<string> problems, bool underMetadata)
    {
        var type = (string?)s["type"];
        if (type is null)
        {
            problems.Add($"{path}: no type");
        }

        foreach (var key in s.Select(kv => kv.Key))
        {
            if (key is "$ref" or "additionalItems" or "patternProperties" or "dependencies" or "definitions" or "id" or "oneOf" or "anyOf" or "allOf" or "not")
            {
                problems.Add($"{path}: '{key}' is not allowed in our structural schemas");
            }
        }

        if (type == "object")
        {
            var preserve = (bool?)s["x-kubernetes-preserve-unknown-fields"] == true;
            if (s["properties"] is not JsonObject props)
            {
                if (!preserve && s["additionalProperties"] is null && path != "openAPIV3Schema.metadata")
                {
                    problems.Add($"{path}: an object needs properties, additionalProperties or x-kubernetes-preserve-unknown-fields");
                }
            }
            else
            {
                foreach (var (name, child) in props)
                {
                    StructuralCheck(child!.AsObject(), $"{path}.{name}", problems, underMetadata || name == "metadata");
                }

                foreach (var r in s["required"]?.AsArray() ?? [])
                {
                    if (props[(string)r!] is null)
                    {
                        problems.Add($"{path}: required '{r}' is not a property");
                    }
                }
            }
        }

        if (type == "array")
        {
            if (s["items"] is not JsonObject items)
            {
                problems.Add($"{path}: an array needs items");
            }
            else
            {
                StructuralCheck(items, path + "[]", problems, underMetadata);
            }
        }

        if (s["default"] is { } d)
        {
            if (underMetadata)
            {
                problems.Add($"{path}: defaults are not allowed under metadata");
            }

            var defaultProblems = new SchemaValidator(s, SchemaDialect.Structural).Validate(d);
            problems.AddRange(defaultProblems.Select(p => $"{path}: default is invalid: {p}"));
        }
    }
}
