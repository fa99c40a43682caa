using System.Text.Json;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Watch;

namespace Twa.Kubernetes.Tests.Watch;

public sealed class WatchEventParsingTests
{
    [Fact]
    public void ParseEvent_ErrorWith410Status_IsExpired()
    {
        var e = KubernetesClient.ParseEvent<V1Pod>("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}}""");

        Assert.Equal(WatchEventType.Expired, e.Type);
        Assert.Null(e.Item);
        Assert.Equal("too old resource version: 5 (9)", e.Status!.Message);
    }

    [Fact]
    public void ParseEvent_ErrorWithOtherStatus_IsError()
    {
        var e = KubernetesClient.ParseEvent<V1Pod>("""{"type":"ERROR","object":{"kind":"Status","code":500,"reason":"InternalError","message":"etcd unavailable"}}""");

        Assert.Equal(WatchEventType.Error, e.Type);
        Assert.Equal(500, e.Status!.Code);
    }

    [Fact]
    public void ParseEvent_Bookmark_CarriesResourceVersion()
    {
        var e = KubernetesClient.ParseEvent<V1Pod>("""{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12345"}}}""");

        Assert.Equal(WatchEventType.Bookmark, e.Type);
        Assert.Equal("12345", e.ResourceVersion);
    }

    [Fact]
    public void ParseEvent_UnknownType_Throws()
    {
        var e = Assert.Throws<JsonException>(() => KubernetesClient.ParseEvent<V1Pod>("""{"type":"RENAMED","object":{}}"""));

        Assert.Contains("RENAMED", e.Message, StringComparison.Ordinal);
    }
}
