using System.Text;
using System.Text.Json.Nodes;

namespace Twa.Cli.Tests;

/// <summary>The worker pod's termination message (OPERATOR.md 4.4) as the operator reads it: a completion names its
/// generation and the worker's rank in it; removed/suspended carry no rank; a long message is shortened, the JSON kept.</summary>
public sealed class TerminationMessageTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void For_Completed_NamesGenerationAndRankInIt(int rank)
    {
        var json = JsonNode.Parse(TerminationMessage.For(new WorkerOutcome(WorkerOutcome.Completed, 7, null, rank)))!.AsObject();

        Assert.Equal("completed", (string?)json["result"]);
        Assert.Equal(7, (long)json["generation"]!);
        Assert.Equal(rank, (int)json["rank"]!);
        Assert.False(json.ContainsKey("testAccuracy")); // no run result here; only rank 0 would add it
    }

    [Theory]
    [InlineData(WorkerOutcome.Removed)]
    [InlineData(WorkerOutcome.Suspended)]
    public void For_RemovedOrSuspended_NamesGenerationWithoutRank(string kind)
    {
        var json = JsonNode.Parse(TerminationMessage.For(new WorkerOutcome(kind, 4, null, -1)))!.AsObject();

        Assert.Equal(kind, (string?)json["result"]);
        Assert.Equal(4, (long)json["generation"]!);
        Assert.False(json.ContainsKey("rank"));
    }

    [Fact]
    public void Format_RankAndLongMessage_ShortensTheMessageKeepsTheFields()
    {
        var text = TerminationMessage.Format("completed", new string('x', 10_000), 0.5, 3, 0);

        Assert.True(Encoding.UTF8.GetByteCount(text) <= TerminationMessage.MaxBytes);
        var json = JsonNode.Parse(text)!;
        Assert.Equal(0, (int)json["rank"]!);
        Assert.Equal(3, (long)json["generation"]!);
        Assert.Equal(0.5, (double)json["testAccuracy"]!);
        Assert.EndsWith("…", (string?)json["message"], StringComparison.Ordinal);
    }
}
