using Twa.Cli.Bench;
using Xunit.Abstractions;

namespace Twa.Cli.Tests.Bench;

/// <summary>`twa bench` section (g): the projection step is timed on a basis of exactly n·D·bits/8 bytes at 32 and 4
/// bits, and its throughput is set against a copy measured in the same run (the figures are printed; the 50% target
/// is a benchmark outcome, reported, not asserted).</summary>
[Collection(LocalWorkers.Name)]
public sealed class ProjectionBenchIntegrationTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task Run_Quick_ReportsBothWidthsAgainstTheCopyOfTheSameRun()
    {
        var r = await Task.Run(() => ProjectionBench.Run(new BenchSettings(Quick: true, Threads: 2, OutPath: "unused", ReferencePath: null), TextWriter.Null));

        output.WriteLine($"{r.Model} D={r.Parameters:N0} n={r.Snapshots}: copy {r.CopyGBps:F2} GB/s [best {r.CopyGBpsBest:F2}]");
        foreach (var w in r.Widths)
        {
            output.WriteLine($"  {w.Bits} bits: basis {w.BasisBytes:N0} B, {w.Seconds.Median * 1e3:F2} ms/step, {w.GBps:F2} GB/s [best {w.GBpsBest:F2}], ratio to copy {w.CopyRatio:F3}");
        }

        Assert.Equal([32, 4], r.Widths.Select(w => w.Bits));
        Assert.Equal(21, r.Snapshots);
        Assert.InRange(r.Parameters, 260_000, 290_000); // ResNet-20 for 10 classes
        Assert.Equal(21 * r.Parameters * 4, r.Widths[0].BasisBytes);
        Assert.Equal(21 * ((r.Parameters * 4 + 7) / 8), r.Widths[1].BasisBytes);
        Assert.True(r.CopyGBps > 0 && r.CopyGBpsBest >= r.CopyGBps);
        foreach (var w in r.Widths)
        {
            Assert.Equal(w.BasisBytes / w.Seconds.Median / 1e9, w.GBps, 9);
            Assert.Equal(w.GBps / r.CopyGBps, w.CopyRatio, 9);
        }
    }
}
