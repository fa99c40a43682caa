using Twa.Cli.Bench;

namespace Twa.Cli.Tests.Bench;

/// <summary>The last-level cache size the projection benchmark sizes its eviction and copy buffers by.</summary>
public sealed class MachineFactsTests
{
    [Theory]
    [InlineData("48K", 48L << 10)]
    [InlineData("266240K", 266240L << 10)]
    [InlineData("32M", 32L << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("4096", 4096L)]
    public void ParseCacheSize_SysfsForms_AreBytes(string text, long bytes) => Assert.Equal(bytes, MachineFacts.ParseCacheSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-1K")]
    [InlineData("12 K")]
    [InlineData("0K")]
    public void ParseCacheSize_Malformed_IsNull(string text) => Assert.Null(MachineFacts.ParseCacheSize(text));

    [Fact]
    public void LastLevelCacheBytes_SysfsTree_IsTheLargestIndex()
    {
        var dir = Directory.CreateTempSubdirectory("twa-cache-");
        try
        {
            foreach (var (index, size) in new[] { ("index0", "48K"), ("index1", "32K"), ("index2", "2048K"), ("index3", "266240K") })
            {
                Directory.CreateDirectory(Path.Combine(dir.FullName, index));
                File.WriteAllText(Path.Combine(dir.FullName, index, "size"), size + "\n");
            }

            Assert.Equal(266240L << 10, MachineFacts.LastLevelCacheBytes(dir.FullName));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void LastLevelCacheBytes_NoSysfs_IsNull() =>
        Assert.Null(MachineFacts.LastLevelCacheBytes(Path.Combine(Path.GetTempPath(), "twa-no-such-cache-dir")));

    [Theory]
    [InlineData(32L << 20, 256L << 20, 64L << 20)]      // AMD EPYC of this machine kind: the minimums
    [InlineData(266240L << 10, 520L << 20, 520L << 20)] // Intel Xeon of this machine kind: twice its 260 MiB L3
    [InlineData(null, 256L << 20, 64L << 20)]            // unknown cache: the minimums
    [InlineData((3L << 20) + 1, 256L << 20, 64L << 20)]
    public void BufferBytes_TwiceTheCacheInWholeMiBOrTheMinimum(long? cache, long copy, long evict)
    {
        Assert.Equal(copy, ProjectionBench.BufferBytes(ProjectionBench.MinCopyBytes, cache));
        Assert.Equal(evict, ProjectionBench.BufferBytes(ProjectionBench.MinEvictBytes, cache));
    }
}
