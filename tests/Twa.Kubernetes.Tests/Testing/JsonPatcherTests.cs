using System.Text.Json.Nodes;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Testing;

public sealed class JsonPatcherTests
{
    private static JsonNode? Parse(string json) => JsonNode.Parse(json);

    // RFC 7386 appendix A examples.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Merge_Rfc7386Examples_ProduceExpectedResult(string target, string patch, string expected)
    {
        var result = JsonPatcher.Merge(Parse(target), Parse(patch));

        Assert.True(JsonNode.DeepEquals(Parse(expected), result), result?.ToJsonString());
    }

    [Theory]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("""{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("""{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":"end"}]""", """{"foo":["bar","end"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("""{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("""{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"}]""", """{"a":{"b":1},"c":{"b":1}}""")]
    [InlineData("""{"a/b":1,"m~n":2}""", """[{"op":"test","path":"/a~1b","value":1},{"op":"remove","path":"/m~0n"}]""", """{"a/b":1}""")]
    public void Apply_Rfc6902Examples_ProduceExpectedResult(string document, string patch, string expected)
    {
        var result = JsonPatcher.Apply(Parse(document), Parse(patch));

        Assert.True(JsonNode.DeepEquals(Parse(expected), result), result?.ToJsonString());
    }

    [Theory]
    [InlineData("""[{"op":"remove","path":"/missing"}]""", 422)]
    [InlineData("""[{"op":"replace","path":"/missing","value":1}]""", 422)]
    [InlineData("""[{"op":"test","path":"/a","value":2}]""", 422)]
    [InlineData("""[{"op":"add","path":"/arr/5","value":2}]""", 422)]
    [InlineData("""[{"op":"add","path":"a","value":2}]""", 400)]
    [InlineData("""[{"op":"frobnicate","path":"/a"}]""", 400)]
    [InlineData("""[{"op":"add","path":"/a"}]""", 400)]
    [InlineData("""{"op":"add"}""", 400)]
    public void Apply_InvalidOperation_RejectedWithStatusCode(string patch, int code)
    {
        var e = Assert.Throws<ApiError>(() => JsonPatcher.Apply(Parse("""{"a":1,"arr":[]}"""), Parse(patch)));

        Assert.Equal(code, e.Code);
    }
}
