using Twa.Cli.Bench;
using Twa.Torch;
using Xunit.Abstractions;

namespace Twa.Cli.Tests.Bench;

/// <summary>`twa bench` sections (d) and (e): SGD, TWA-schmidt and TWA-centered steps of LeNet-5 and ResNet-20 are
/// timed as interleaved triples and the overhead is the median of the per-triple ratios (the 5% target is reported,
/// not asserted); every basis configuration holds n·D·bits/8 bytes plus its per-block ranges.</summary>
[Collection(LocalWorkers.Name)]
public sealed class TwaStepBenchIntegrationTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task Run_Quick_PairsEachTwaStepWithTheSgdStepBeforeIt()
    {
        var (steps, memory) = await Task.Run(() => TwaStepBench.Run(new BenchSettings(Quick: true, Threads: 2, OutPath: "unused", ReferencePath: null), TextWriter.Null));

        // It timed the thread pools `twa train` runs with, not this test host's defaults (OpenBLAS on every core).
        Assert.Equal(2, LibTorch.NumThreads);
        Assert.Equal(TrainingThreads.BlasThreadsFor(Environment.GetEnvironmentVariable(TrainingThreads.BlasVariable)), LibTorch.BlasThreads);
        Assert.Equal(["lenet5", "resnet20"], steps.Select(s => s.Model));
        foreach (var s in steps)
        {
            output.WriteLine($"{s.Model}: SGD {s.SgdSeconds.Median * 1e3:F2} ms, schmidt {s.SchmidtOverhead:P1}, centered 4b {s.Centered4BitOverhead:P1}");
            Assert.Equal(s.SgdSeconds.Count, s.SchmidtSeconds.Count);
            Assert.Equal(s.SgdSeconds.Count, s.Centered4BitSeconds.Count);
            var ratios = s.SchmidtSeconds.Samples.Zip(s.SgdSeconds.Samples, (t, p) => t / p).Order().ToArray();
            Assert.Equal(ratios[ratios.Length / 2] - 1, s.SchmidtOverhead, 12); // odd count in quick mode: the middle ratio
            Assert.Equal(s.SchmidtSeconds.Min / s.SgdSeconds.Min - 1, s.SchmidtOverheadBest, 12);
            Assert.InRange(s.SchmidtOverhead, -0.5, 2.0); // a step of the same model and batch, plus a small projection
        }

        Assert.Equal(2 * 7, memory.Length); // per model: schmidt at 32 bits, centered at 32/16/8/4/2/1 bits
        foreach (var m in memory)
        {
            Assert.InRange((double)m.Bytes / m.IdealBytes, 1.0, 1.02);
        }
    }
}
