using Xunit.Abstractions;
using Twa.Jobs;
using Twa.Training.Runs;

namespace Twa.Training.Tests.Distributed;

/// <summary>Whole runs (data-parallel base training, then column-sharded TWA) on K real Gloo ranks in this process end
/// where the single-rank run ends: same coefficients (relative difference &lt; 1e-4), same test accuracy; TWA sends at
/// most 0.55x the row scheme's two all-reduces of D per step.</summary>
public sealed class DistributedRunIntegrationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-dist-");
    private readonly ITestOutputHelper _output;

    public DistributedRunIntegrationTests(ITestOutputHelper output)
    {
        _output = output;
        SyntheticImages.Write(Data, trainCount: 300, testCount: 100);
    }

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    // batchSize 25 over 3 ranks splits 9/8/8, and 300 % 25 = 0 but the held-out split leaves 270 → a last batch of 20.
    private V1Alpha1TwaJob Job(string twa) => TwaJobLoader.Parse($$"""
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: dist}
        spec:
          training:
            seed: 3
            model: {arch: mlp}
            data: {path: {{Data}}, batchSize: 25, holdoutFraction: 0.1 }
            base: {epochs: 2, optimizer: {lr: 0.05} }
            twa:
              {{twa}}
              epochs: 1
            baselines: [swa]
        """, "dist.yaml");

    private RunResult[] RunOn(int k, V1Alpha1TwaJob job, string name)
    {
        var output = Path.Combine(_dir.FullName, name);
        return InProcessRanks.Run(k, ranks => JobRunner.Run(job, new RunOptions(output) { Ranks = ranks }));
    }

    [Theory]
    [InlineData("variant: schmidt\n      snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}", 2)]
    [InlineData("variant: schmidt\n      snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}", 3)]
    [InlineData("variant: centered\n      snapshots: {from: 0, to: 3}\n      projectionBits: 4\n      optimizer: {name: adamw, lr: 0.01, weightDecay: 0}", 3)]
    public void Run_KRanks_EndsWithTheSingleRankCoefficientsAndAccuracy(string twa, int k)
    {
        var job = Job(twa);
        var single = JobRunner.Run(job, new RunOptions(Path.Combine(_dir.FullName, "k1")));
        var ranked = RunOn(k, job, $"k{k}");

        var expected = single.Twa!.Coordinates;
        foreach (var r in ranked)
        {
            var actual = r.Twa!.Coordinates;
            var diff = Math.Sqrt(expected.Zip(actual, (a, b) => (a - b) * (a - b)).Sum());
            var norm = Math.Sqrt(expected.Sum(a => a * a));
            _output.WriteLine($"rank {Array.IndexOf(ranked, r)}: relative coefficient difference {diff / norm:E2}, basis {r.Twa.BasisBytes} B");
            Assert.True(diff / norm < 1e-4, $"relative coefficient difference {diff / norm:E2} with {k} ranks");
        }

        Assert.Equal(single.Final.Accuracy, ranked[0].Final.Accuracy);
        Assert.Equal(k, ranked[0].Workers);

        // Basis bytes: total/K per rank within 1% (packed codes round up to whole bytes per row and rank).
        var total = single.BasisBytesTotal!.Value;
        Assert.InRange(ranked[0].BasisBytesTotal!.Value, total, total + (long)single.Twa!.BasisSize * k);
        Assert.All(ranked, r => Assert.InRange(r.Twa!.BasisBytes!.Value, 0.99 * total / k, 1.01 * total / k));

        // Per TWA step: reduce-scatter + all-gather of D (+ the tiny coefficient all-reduce) vs the row scheme's two
        // ring all-reduces of D, 2·2(K-1)/K·4D bytes.
        var d = single.Parameters;
        var rowScheme = 2 * 2.0 * (k - 1) / k * 4 * d;
        foreach (var r in ranked)
        {
            var perStep = (double)r.Twa!.FitBytesSent / r.Twa.FitSteps;
            _output.WriteLine($"{perStep:N0} B sent per TWA step vs row scheme {rowScheme:N0} B: {perStep / rowScheme:F3}x");
            Assert.True(perStep <= 0.55 * rowScheme, $"{perStep:N0} B per step vs row scheme {rowScheme:N0} B");
        }
    }
}
