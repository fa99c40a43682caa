using Twa.Training.Distributed;

namespace Twa.Training.Tests.Distributed;

public sealed class ColumnRangeTests
{
    [Theory]
    [InlineData(10, 3)]
    [InlineData(61_706, 4)]
    [InlineData(2, 3)]
    [InlineData(7, 1)]
    public void Of_AllRanks_TileTheColumnsInOrderWithSizesDifferingByAtMostOne(long d, int k)
    {
        var ranges = Enumerable.Range(0, k).Select(r => ColumnRange.Of(d, r, k)).ToArray();

        Assert.Equal(0, ranges[0].Start);
        for (var r = 1; r < k; r++)
        {
            Assert.Equal(ranges[r - 1].End, ranges[r].Start);
        }

        Assert.Equal(d, ranges[^1].End);
        Assert.True(ranges.Max(c => c.Count) - ranges.Min(c => c.Count) <= 1);
        Assert.Equal(ranges.Select(c => c.Count), ColumnRange.Counts(d, k));
    }

    [Fact]
    public void Of_RankOutsideTheGroup_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnRange.Of(10, 3, 3));
    }
}
