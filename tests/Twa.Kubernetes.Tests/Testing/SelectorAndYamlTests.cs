using System.Text.Json.Nodes;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Testing;

public sealed class SelectorAndYamlTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "twa", ["twa.dev/job-name"] = "j", ["tier"] = "gpu" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=twa", true)]
    [InlineData("app==twa,tier=gpu", true)]
    [InlineData("app=other", false)]
    [InlineData("twa.dev/job-name in (j,k)", true)]
    [InlineData("twa.dev/job-name notin (j)", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("missing!=x", true)]
    [InlineData("tier,!missing", true)]
    [InlineData("!tier", false)]
    public void LabelSelector_Terms_MatchAsKubernetes(string selector, bool expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Labels));
    }

    [Theory]
    [InlineData("app in twa")]
    [InlineData("app=twa,,tier=gpu")]
    [InlineData("bad key=x")]
    public void LabelSelector_Malformed_BadRequest(string selector)
    {
        var e = Assert.Throws<ApiError>(() => LabelSelector.Parse(selector));

        Assert.Equal(400, e.Code);
    }

    [Fact]
    public void FieldSelector_NestedPathsAndNegation_Match()
    {
        var pod = JsonNode.Parse("""{"metadata":{"name":"p","namespace":"n"},"status":{"phase":"Running"},"spec":{"nodeName":"node-1"}}""")!.AsObject();

        Assert.True(FieldSelector.Parse("status.phase=Running,metadata.name==p").Matches(pod));
        Assert.True(FieldSelector.Parse("spec.nodeName!=node-2").Matches(pod));
        Assert.False(FieldSelector.Parse("status.phase!=Running").Matches(pod));
        Assert.Equal(400, Assert.Throws<ApiError>(() => FieldSelector.Parse("status.phase")).Code);
    }

    [Fact]
    public void ParseDocuments_Core12Scalars_TypedLikeKubectl()
    {
        var docs = YamlJson.ParseDocuments("""
            a: 1
            b: "1"
            c: true
            d: 'false'
            e: ~
            f: 1.5
            g: 0.5e3
            h: twa:1
            i: [x, 2]
            j: !!str 3
            ---
            # a second document
            k: v
            ---
            """);

        Assert.Equal(2, docs.Count);
        var d = docs[0].AsObject();
        Assert.Equal(1L, d["a"]!.GetValue<long>());
        Assert.Equal("1", d["b"]!.GetValue<string>());
        Assert.True(d["c"]!.GetValue<bool>());
        Assert.Equal("false", d["d"]!.GetValue<string>());
        Assert.True(d.ContainsKey("e"));
        Assert.Null(d["e"]);
        Assert.Equal(1.5, d["f"]!.GetValue<double>());
        Assert.Equal(500.0, d["g"]!.GetValue<double>());
        Assert.Equal("twa:1", d["h"]!.GetValue<string>());
        Assert.Equal(2L, d["i"]![1]!.GetValue<long>());
        Assert.Equal("3", d["j"]!.GetValue<string>());
        Assert.Equal("v", docs[1]["k"]!.GetValue<string>());
    }

    [Fact]
    public void ParseDocuments_InvalidYaml_FormatException()
    {
        var unclosed = Assert.Throws<FormatException>(() => YamlJson.ParseDocuments("a: [1,\nb: 2"));
        var badIndent = Assert.Throws<FormatException>(() => YamlJson.ParseDocuments("a:\n  b: 1\n c: 2"));

        Assert.StartsWith("Invalid YAML", unclosed.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", badIndent.Message, StringComparison.Ordinal);
    }
}
