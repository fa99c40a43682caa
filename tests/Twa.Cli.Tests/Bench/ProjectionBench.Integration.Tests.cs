using Twa.Cli.Bench;
using Twa.Torch;
using Xunit.Abstractions;

namespace Twa.Cli.Tests.Bench;

/// <summary>`twa bench` section (g): the projection step (coefficient gradient + reconstruction, two passes over the
/// basis) is timed on a basis of exactly n·D·bits/8 bytes at 32, 16, 8 and 4 bits, by the fused kernels (on the best
/// instruction set, and on AVX2 too where that is AVX-512) and by the unfused reference, and its throughput is set
/// against a copy measured in the same run (the figures are printed; the 50% target is a benchmark outcome, reported,
/// not asserted).</summary>
[Collection(LocalWorkers.Name)]
public sealed class ProjectionBenchIntegrationTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task Run_Quick_ReportsBothWidthsAgainstTheCopyOfTheSameRun()
    {
        var (r, isaAfter) = await Task.Run(() =>
            (ProjectionBench.Run(new BenchSettings(Quick: true, Threads: 2, OutPath: "unused", ReferencePath: null), TextWriter.Null), PackedProjection.Isa));

        output.WriteLine($"{r.Model} D={r.Parameters:N0} n={r.Snapshots}: copy {r.CopyGBps:F2} GB/s [best {r.CopyGBpsBest:F2}]");
        foreach (var w in r.Widths)
        {
            output.WriteLine($"  {w.Bits} bits {w.Path} {w.Isa}: basis {w.BasisBytes:N0} B, {w.Seconds.Median * 1e3:F2} ms/step, {w.GBps:F2} GB/s [best {w.GBpsBest:F2}], copy {w.CopyGBps:F2} GB/s, ratio {w.CopyRatio:F3}");
        }

        // The fused kernels on this CPU's best set (what training uses), and on AVX2 too where the best is AVX-512
        // (the widths it serves: 8 and 4 here).
        var best = PackedProjection.NameOf(PackedProjection.BestIsa);
        Assert.Equal(best, r.Isa);
        var expected = new List<(int, string, string)>();
        foreach (var bits in new[] { 32, 16, 8, 4 })
        {
            expected.Add((bits, "fused", best));
            if (PackedProjection.BestIsa == ProjectionIsa.Avx512 && bits <= 8)
            {
                expected.Add((bits, "fused", "avx2"));
            }

            expected.Add((bits, "unfused", "libtorch"));
        }

        Assert.Equal(expected, r.Widths.Select(w => (w.Bits, w.Path, w.Isa)));
        Assert.Equal(PackedProjection.BestIsa, isaAfter); // each row's set is undone on the thread that ran it
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
        // Both buffers are beyond this machine's caches: at least twice its last-level cache.
        Assert.Equal(MachineFacts.LastLevelCacheBytes(), r.LastLevelCacheBytes);
        Assert.True(r.EvictBytes >= 2 * (r.LastLevelCacheBytes ?? 0) && r.EvictBytes >= ProjectionBench.MinEvictBytes);
        Assert.True(r.CopyBytes >= 2 * (r.LastLevelCacheBytes ?? 0) && r.CopyBytes >= ProjectionBench.MinCopyBytes);
        Assert.True(r.CopyGBps > 0 && r.CopyGBpsBest >= r.CopyGBps);
    }
}
