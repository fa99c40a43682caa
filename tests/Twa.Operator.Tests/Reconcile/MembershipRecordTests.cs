using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Tests.Reconcile;

public sealed class MembershipRecordTests
{
    [Fact]
    public void ToJson_Record_HasTheShapeOfOperatorMd33AndRoundTrips()
    {
        var record = new MembershipRecord
        {
            JobUid = "u-1",
            Generation = 7,
            Store = new StoreEndpoint("demo-worker-1.demo.ml.svc", 29507),
            Members = [new("demo-worker-1", 1, 0), new("demo-worker-4", 4, 1)],
            Reason = TwaJobReasons.MemberRejoin,
            PublishedTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        };

        var json = JsonNode.Parse(record.ToJson())!;
        var back = MembershipRecord.FromJson(record.ToJson());

        Assert.Equal("u-1", (string?)json["jobUID"]);
        Assert.Equal(7, (long)json["generation"]!);
        Assert.Equal(2, (int)json["worldSize"]!);
        Assert.Equal("demo-worker-1.demo.ml.svc", (string?)json["store"]!["host"]);
        Assert.Equal(29507, (int)json["store"]!["port"]!);
        Assert.Equal("demo-worker-4", (string?)json["members"]![1]!["pod"]);
        Assert.Equal(4, (int)json["members"]![1]!["ordinal"]!);
        Assert.Equal(1, (int)json["members"]![1]!["rank"]!);
        Assert.Equal("MemberRejoin", (string?)json["reason"]);
        Assert.Equal(record.Members, back.Members);
        Assert.Equal(record with { Members = back.Members }, back);
    }

    [Fact]
    public void FromJson_WorldSizeMismatch_Throws()
    {
        var e = Assert.Throws<FormatException>(() => MembershipRecord.FromJson(
            """{"jobUID":"u","generation":1,"worldSize":2,"members":[{"pod":"a","ordinal":0,"rank":0}],"reason":"ScaleUp","publishedTime":"2026-01-01T00:00:00Z"}"""));
        Assert.Contains("worldSize", e.Message, StringComparison.Ordinal);
    }
}
