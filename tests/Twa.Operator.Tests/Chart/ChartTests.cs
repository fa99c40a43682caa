using System.Text.Json.Nodes;
using System.Xml.Linq;
using Twa.Operator.Crd;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Chart;

public sealed class ChartTests
{
    private static readonly string s_chart = Repo.File("charts/twa-operator");

    private static string Read(string relative) => File.ReadAllText(Path.Combine(s_chart, relative));

    public static TheoryData<string> TemplateFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(s_chart, "templates")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void ChartYaml_HasTheRequiredFieldsAndTheOperatorVersion()
    {
        var chart = YamlToJson.Single(Read("Chart.yaml"))!;
        Assert.Equal("v2", (string?)chart["apiVersion"]);
        Assert.Equal("twa-operator", (string?)chart["name"]);
        Assert.Equal("application", (string?)chart["type"]);
        Assert.Matches(@"^\d+\.\d+\.\d+$", (string?)chart["version"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)chart["description"]));
        var csproj = XDocument.Load(Repo.File("operator/Twa.Operator/Twa.Operator.csproj"));
        Assert.Equal(csproj.Descendants("Version").Single().Value, (string?)chart["appVersion"]);
    }

    [Fact]
    public void ValuesYaml_ValidatesAgainstValuesSchema()
    {
        var schema = JsonNode.Parse(Read("values.schema.json"))!.AsObject();
        var values = YamlToJson.Single(Read("values.yaml"));
        Assert.Empty(new SchemaValidator(schema, SchemaDialect.JsonSchema).Validate(values));
    }

    [Theory]
    [InlineData("redis: {enabled: yes-please}", "redis.enabled: expected boolean")]
    [InlineData("monitoring: {selectorLabel: {release: x}}", "monitoring.selectorLabel: unknown field")]
    [InlineData("image: {pullPolicy: Sometimes}", "image.pullPolicy: \"Sometimes\" is not one of")]
    [InlineData("metricsPort: 80", "metricsPort: 80 is below the minimum 1024")]
    [InlineData("replicaCount: 1.5", "replicaCount: expected integer")]
    public void ValuesSchema_BadOverride_IsRejected(string overrideYaml, string expected)
    {
        var schema = JsonNode.Parse(Read("values.schema.json"))!.AsObject();
        var values = YamlToJson.Single(Read("values.yaml"))!.AsObject();
        foreach (var (key, value) in YamlToJson.Single(overrideYaml)!.AsObject().ToList())
        {
            if (value is JsonObject o && values[key] is JsonObject target)
            {
                foreach (var (k, v) in o.ToList())
                {
                    target[k] = v?.DeepClone();
                }
            }
            else
            {
                values[key] = value?.DeepClone();
            }
        }

        Assert.Contains(new SchemaValidator(schema, SchemaDialect.JsonSchema).Validate(values), p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TemplateFiles))]
    public void Template_ActionsAndBlocks_AreBalanced(string file)
    {
        Assert.Empty(GoTemplateText.CheckBalance(Read("templates/" + file)));
    }

    [Fact]
    public void CheckBalance_BrokenTemplates_AreReported()
    {
        Assert.NotEmpty(GoTemplateText.CheckBalance("{{- if .Values.a }}\nx: 1\n"));
        Assert.NotEmpty(GoTemplateText.CheckBalance("x: {{ .Values.a }\n"));
        Assert.NotEmpty(GoTemplateText.CheckBalance("x: .Values.a }}\n"));
        Assert.NotEmpty(GoTemplateText.CheckBalance("{{- end }}\n"));
    }

    [Theory]
    [MemberData(nameof(TemplateFiles))]
    public void Template_EveryValuesReference_ExistsInValuesYamlOrSchema(string file)
    {
        var values = YamlToJson.Single(Read("values.yaml"))!;
        var schema = JsonNode.Parse(Read("values.schema.json"))!;
        foreach (var path in GoTemplateText.ValuePaths(Read("templates/" + file)))
        {
            JsonNode? v = values, s = schema;
            foreach (var part in path.Split('.'))
            {
                v = v is JsonObject vo ? vo[part] : null;
                s = s?["properties"]?[part];
            }

            Assert.True(v is not null || s is not null, $"templates/{file} reads .Values.{path}, which values.yaml does not define");
        }
    }

    [Fact]
    public void CrdTemplate_IsTheGeneratedCrdBetweenAnInstallGuard()
    {
        var crd = File.ReadAllText(Repo.File("crds/" + CrdCommand.FileName));
        var template = Read(CrdCommand.ChartTemplate);
        Assert.True(template == CrdCommand.RenderChartTemplate(crd),
            "charts/twa-operator/templates/crd.yaml differs from crds/: run `bin/twa-operator crd` from the repository root");
        Assert.Equal(CrdCommand.Render(), crd);
        Assert.Contains("helm.sh/resource-policy: keep", crd, StringComparison.Ordinal);
    }

    [Fact]
    public void Rbac_Rules_AreExactlyOperatorMdSection5()
    {
        // OPERATOR.md section 5: (apiGroup, resource) -> verbs. Nothing more may be granted.
        var expected = new Dictionary<string, string>
        {
            ["twa.dev/twajobs"] = "delete,get,list,patch,update,watch",
            ["twa.dev/twajobs/status"] = "get,patch,update",
            ["twa.dev/twajobs/finalizers"] = "update",
            ["/pods"] = "create,delete,get,list,watch",
            ["/services"] = "create,delete,get,list,patch,watch",
            ["/configmaps"] = "create,delete,get,list,patch,watch",
            ["/secrets"] = "get",
            ["/events"] = "create,patch",
            ["events.k8s.io/events"] = "create,patch",
        };
        var gang = new Dictionary<string, string>
        {
            ["scheduling.x-k8s.io/podgroups"] = "create,delete,get,list,patch,watch",
            ["scheduling.volcano.sh/podgroups"] = "create,delete,get,list,patch,watch",
        };
        var lease = new Dictionary<string, string> { ["coordination.k8s.io/leases"] = "create,get,update" };
        var helpers = Read("templates/_helpers.tpl");
        Assert.Equal(expected, Rules(GoTemplateText.Define(helpers, "twa-operator.rules")));
        Assert.Equal(gang, Rules(GoTemplateText.Define(helpers, "twa-operator.gangRules")));
        Assert.Equal(lease, Rules(GoTemplateText.Define(helpers, "twa-operator.leaseRules")));

        var rbac = Read("templates/rbac.yaml");
        Assert.DoesNotContain("\"*\"", rbac, StringComparison.Ordinal);
        Assert.DoesNotContain("\"*\"", helpers, StringComparison.Ordinal);
        // The lease rules go only into the Role in the release namespace; the gang rules only behind rbac.gangScheduling.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(rbac, "include \"twa-operator.leaseRules\""));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(rbac, @"if \$?\.Values\.rbac\.gangScheduling \}\}\s*\{\{- include ""twa-operator.gangRules"""));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(rbac, "include \"twa-operator.rules\""));
    }

    private static Dictionary<string, string> Rules(string yaml)
    {
        var result = new Dictionary<string, string>();
        foreach (var rule in YamlToJson.Single(yaml)!.AsArray())
        {
            var verbs = string.Join(",", rule!["verbs"]!.AsArray().Select(v => (string)v!).Order(StringComparer.Ordinal));
            foreach (var group in rule["apiGroups"]!.AsArray())
            {
                foreach (var resource in rule["resources"]!.AsArray())
                {
                    Assert.True(result.TryAdd($"{group}/{resource}", verbs), $"{group}/{resource} is granted twice");
                }
            }
        }

        return result;
    }

    [Fact]
    public void Deployment_HasProbesAndARestrictedSecurityContext()
    {
        var d = Read("templates/deployment.yaml");
        Assert.Contains("path: /healthz", d, StringComparison.Ordinal);
        Assert.Contains("path: /readyz", d, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: true", d, StringComparison.Ordinal);
        Assert.Contains("readOnlyRootFilesystem: true", d, StringComparison.Ordinal);
        Assert.Contains("allowPrivilegeEscalation: false", d, StringComparison.Ordinal);
        Assert.Contains("drop: [\"ALL\"]", d, StringComparison.Ordinal);
        Assert.Contains("type: RuntimeDefault", d, StringComparison.Ordinal);
        Assert.Matches(@"runAsUser: [1-9]\d*", d);
        Assert.Contains("mountPath: /tmp", d, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_IsOptionalWithDeploymentServiceAndPasswordSecret()
    {
        var r = Read("templates/redis.yaml");
        Assert.StartsWith("{{- if .Values.redis.enabled }}", r, StringComparison.Ordinal);
        foreach (var kind in new[] { "kind: Secret", "kind: Deployment", "kind: Service" })
        {
            Assert.Contains(kind, r, StringComparison.Ordinal);
        }

        Assert.Contains("--requirepass", r, StringComparison.Ordinal);
        Assert.Contains("secretKeyRef", r, StringComparison.Ordinal);
        Assert.Contains("readOnlyRootFilesystem: true", r, StringComparison.Ordinal);
    }

    [Fact]
    public void Monitors_UseTheConfigurableSelectorLabels()
    {
        var values = YamlToJson.Single(Read("values.yaml"))!;
        Assert.Equal("""{"release":"kube-prometheus-stack"}""", values["monitoring"]!["selectorLabels"]!.ToJsonString());
        foreach (var file in new[] { "podmonitor.yaml", "servicemonitor.yaml" })
        {
            var t = Read("templates/" + file);
            Assert.Contains("with .Values.monitoring.selectorLabels", t, StringComparison.Ordinal);
            Assert.Contains("monitoring.coreos.com/v1", t, StringComparison.Ordinal);
        }

        var pod = Read("templates/podmonitor.yaml");
        Assert.Contains("kind: PodMonitor", pod, StringComparison.Ordinal);
        Assert.Contains("targetLabel: twajob", pod, StringComparison.Ordinal);
        Assert.Contains("targetLabel: ordinal", pod, StringComparison.Ordinal);
        Assert.Contains("kind: ServiceMonitor", Read("templates/servicemonitor.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void Dashboards_ConfigMapsCoverEveryDashboardFile()
    {
        var files = Directory.GetFiles(Path.Combine(s_chart, "dashboards"), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(["balance", "fleet", "job"], files);
        var t = Read("templates/dashboards.yaml");
        Assert.Contains("list \"fleet\" \"job\" \"balance\"", t, StringComparison.Ordinal);
        Assert.Contains("$.Values.dashboards.label }}: {{ $.Values.dashboards.labelValue | quote }}", t, StringComparison.Ordinal);
        Assert.Contains("$.Files.Get (printf \"dashboards/%s.json\" $file)", t, StringComparison.Ordinal);
    }

    [Fact]
    public void Notes_Exist()
    {
        Assert.Contains("kubectl scale twajob/", Read("templates/NOTES.txt"), StringComparison.Ordinal);
    }
}
