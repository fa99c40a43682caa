using Twa.Cli.Bench;
using Xunit.Abstractions;

namespace Twa.Cli.Tests.Bench;

/// <summary>`twa bench` section (f): the bytes per distributed TWA step come from the collectives layer's counters on
/// real Gloo ranks, and the column scheme sends at most 0.55x the paper's row scheme while holding 1/K of the basis.</summary>
[Collection(LocalWorkers.Name)]
public sealed class DistributedStepBenchIntegrationTests(ITestOutputHelper output)
{
    [Fact(Timeout = 300_000)]
    public async Task Run_Quick_ColumnSchemeSendsAtMostHalfPlusFivePercentOfTheRowScheme()
    {
        var results = await Task.Run(() => DistributedStepBench.Run(new BenchSettings(Quick: true, Threads: 1, OutPath: "unused", ReferencePath: null), TextWriter.Null));

        Assert.Equal(4, results.Length); // lenet5 and resnet20, 2 and 3 ranks
        foreach (var r in results)
        {
            output.WriteLine($"{r.Model} D={r.Parameters:N0} K={r.Ranks}: column {r.ColumnBytesPerStep:N0} B vs row {r.RowBytesPerStep:N0} B = {r.BytesRatio:F3}x; basis per rank {r.ColumnBasisBytesPerRank:N0} vs {r.RowBasisBytesPerRank:N0} B");
            Assert.True(r.BytesRatio <= 0.55, $"{r.Model} K={r.Ranks}: ratio {r.BytesRatio:F3}");
            // Row scheme: two ring all-reduces of D f32 values, 2·2(K-1)/K·4D, up to Gloo's segment rounding.
            Assert.InRange(r.RowBytesPerStep, 0.99 * 16.0 * (r.Ranks - 1) / r.Ranks * r.Parameters, 1.01 * 16.0 * (r.Ranks - 1) / r.Ranks * r.Parameters);
            Assert.InRange(r.ColumnBasisBytesPerRank, 0.99 * 4.0 * r.Snapshots * r.Parameters / r.Ranks, 1.01 * 4.0 * r.Snapshots * r.Parameters / r.Ranks);
        }
    }
}
