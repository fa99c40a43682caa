using Twa.Cli.Bench;
using Xunit.Abstractions;

namespace Twa.Cli.Tests.Bench;

/// <summary>`twa bench` section (g): the projection step (coefficient gradient + reconstruction, two passes over the
/// basis) is timed on a basis of exactly n·D·bits/8 bytes at 32, 16, 8 and 4 bits, by the fused kernels and by the
/// unfused reference, and its throughput is set against a copy measured in the same run (the figures are printed; the
/// 50% target is a benchmark outcome, reported, not asserted).</summary>
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
            output.WriteLine($"  {w.Bits} bits {w.Path}: basis {w.BasisBytes:N0} B, {w.Seconds.Median * 1e3:F2} ms/step, {w.GBps:F2} GB/s [best {w.GBpsBest:F2}], copy {w.CopyGBps:F2} GB/s, ratio {w.CopyRatio:F3}");
        }

        Assert.Equal([(32, "fused"), (32, "unfused"), (16, "fused"), (16, "unfused"), (8, "fused"), (8, "unfused"), (4, "fused"), (4, "unfused")],
            r.Widths.Select(w => (w.Bits, w.Path)));
        Assert.Equal(21, r.Snapshots);
        Assert.InRange(r.Parameters, 260_000, 290_000); // ResNet-20 for 10 classes
        foreach (var w in r.Widths)
        {
            Assert.Equal(21 * ((r.Parameters * w.Bits + 7) / 8), w.BasisBytes);
            Assert.Equal(2 * w.BasisBytes, w.BytesReadPerStep); // the gradient pass and the reconstruction pass
            Assert.Equal(w.BytesReadPerStep / w.Seconds.Median / 1e9, w.GBps, 9);
            Assert.True(w.CopyGBps > 0);
            Assert.Equal(w.GBps / w.CopyGBps, w.CopyRatio, 9); // against the copies interleaved with this row's steps
        }

        Assert.Equal(r.Widths.Sum(w => w.Seconds.Count), r.CopySeconds.Count); // one copy before every timed step
        Assert.True(r.CopyGBps > 0 && r.CopyGBpsBest >= r.CopyGBps);
    }
}
