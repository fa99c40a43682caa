using Twa.Torch.Distributed;

namespace Twa.Torch.Tests.Distributed;

/// <summary>The byte formulas of <see cref="CollectiveStats"/>; the multi-process test checks them against the
/// bytes really written, these pin their arithmetic.</summary>
public sealed class WireBytesTests
{
    [Fact(Timeout = Bounded.Timeout)]
    public Task AllReduce_EightMiBOnThreeRanks_MatchesMeasuredGlooRing() => Bounded.Run(() =>
    {
        // Measured with /proc/self/io on libgloo 0.0~git20220518: 9 segments of 932068 B, the last one short by 4.
        Assert.Equal(11184812, WireBytes.AllReduce(Backend.Gloo, 0, 3, 8L << 20, 4));
        Assert.Equal(11184808, WireBytes.AllReduce(Backend.Gloo, 1, 3, 8L << 20, 4));
        Assert.Equal(11184812, WireBytes.AllReduce(Backend.Gloo, 2, 3, 8L << 20, 4));
    });

    [Theory(Timeout = Bounded.Timeout)]
    [InlineData(2, 4096L)]
    [InlineData(4, 1L << 24)]
    [InlineData(5, 1000L)]
    public Task AllReduce_EvenSplit_IsTwiceTheShareOfTheOtherRanks(int size, long bytes) => Bounded.Run(() =>
    {
        for (var r = 0; r < size; r++)
        {
            Assert.InRange(WireBytes.AllReduce(Backend.Gloo, r, size, bytes, 4), (2 * (size - 1) * bytes / size) - (4 * size), (2 * (size - 1) * bytes / size) + (4 * size));
        }
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task AllReduce_SingleRankOrEmpty_SendsNothing() => Bounded.Run(() =>
    {
        Assert.Equal(0, WireBytes.AllReduce(Backend.Gloo, 0, 1, 1024, 4));
        Assert.Equal(0, WireBytes.AllReduce(Backend.Gloo, 0, 3, 0, 4));
    });

    [Theory(Timeout = Bounded.Timeout)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public Task Broadcast_AnyRoot_EveryRankButTheRootReceivesOnce(int size) => Bounded.Run(() =>
    {
        for (var root = 0; root < size; root++)
        {
            var total = Enumerable.Range(0, size).Sum(r => WireBytes.Broadcast(Backend.Gloo, r, size, root, 10));
            Assert.Equal((size - 1) * 10, total);
            Assert.Equal((long)Math.Ceiling(Math.Log2(size)) * 10, WireBytes.Broadcast(Backend.Gloo, root, size, root, 10));
        }
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task ReduceScatterAndAllGather_UnevenCounts_CountOtherRanksRowsAndPadding() => Bounded.Run(() =>
    {
        long[] counts = [3, 1, 2];
        Assert.Equal(3 * 16, WireBytes.ReduceScatter(0, counts, 16));
        Assert.Equal(5 * 16, WireBytes.ReduceScatter(1, counts, 16));
        Assert.Equal(2 * 3 * 16, WireBytes.AllGather(3, counts, 16));
    });
}
