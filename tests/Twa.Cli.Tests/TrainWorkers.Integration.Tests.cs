using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Twa.Cli.Tests;

/// <summary>`twa train --workers N` for real: N rank processes of the built twa on loopback Gloo (issue 4, acceptance
/// 1-3): the same job with 1, 2 and 3 workers ends with the same coefficients and test accuracy, each rank holds 1/K of
/// the basis (packed bits included, also with more ranks than snapshots), and a TWA step sends at most 0.55x the
/// row scheme's two all-reduces of D, as counted by the collectives layer.</summary>
[Collection(LocalWorkers.Name)]
public sealed class TrainWorkersIntegrationTests : IDisposable
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(240);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-workers-");
    private readonly ITestOutputHelper _output;

    public TrainWorkersIntegrationTests(ITestOutputHelper output)
    {
        _output = output;
        TestJobs.WriteImages(Data);
    }

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private Task<string> JobAsync(string twa) => TestJobs.WriteAsync(_dir.FullName, Data, twa);

    private async Task<JsonNode> TrainAsync(string job, int workers)
    {
        var output = Path.Combine(_dir.FullName, $"out-{Path.GetFileNameWithoutExtension(job)}-{workers}");
        var r = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", output, "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--threads", "2");
        Assert.True(r.ExitCode == 0, $"--workers {workers} exited {r.ExitCode}:\n{r.StdErr}");
        var metrics = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")))!;
        Assert.Equal(workers, metrics["workers"]!.GetValue<int>());
        return metrics;
    }

    private JsonNode[] Ranks(string job, int workers)
    {
        var output = Path.Combine(_dir.FullName, $"out-{Path.GetFileNameWithoutExtension(job)}-{workers}");
        return Enumerable.Range(0, workers)
            .Select(r => JsonNode.Parse(File.ReadAllText(Path.Combine(output, "ranks", $"rank-{r}.json")))!).ToArray();
    }

    private static double RelativeDifference(JsonNode a, JsonNode b) => TestJobs.RelativeDifference(TestJobs.Coefficients(a), TestJobs.Coefficients(b));

    private void AssertShardsAndBytes(JsonNode single, JsonNode[] ranks, int workers)
    {
        var d = single["model"]!["parameters"]!.GetValue<long>();
        var total = single["twa"]!["basis_bytes"]!.GetValue<long>();
        var rowScheme = 2 * 2.0 * (workers - 1) / workers * 4 * d; // two ring all-reduces of D f32 values
        foreach (var rank in ranks)
        {
            var basis = rank["twa"]!["basis_bytes"]!.GetValue<long>();
            var perStep = rank["twa"]!["bytes_sent_per_step"]!.GetValue<double>();
            _output.WriteLine($"K={workers} rank {rank["rank"]}: basis {basis:N0} B (total/K = {(double)total / workers:N0}), {perStep:N0} B per TWA step = {perStep / rowScheme:F3}x the row scheme's {rowScheme:N0} B");
            Assert.InRange(basis, 0.99 * total / workers, 1.01 * total / workers);
            Assert.True(perStep <= 0.55 * rowScheme, $"rank {rank["rank"]}: {perStep:N0} B per step vs row scheme {rowScheme:N0} B");
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Train_OneTwoAndThreeWorkers_EndWithTheSameCoefficientsAndAccuracy()
    {
        var job = await JobAsync("variant: schmidt\n      snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}");

        var single = await TrainAsync(job, 1);
        foreach (var k in new[] { 2, 3 })
        {
            var metrics = await TrainAsync(job, k);
            var difference = RelativeDifference(single, metrics);
            _output.WriteLine($"K={k}: relative coefficient difference {difference:E2}, test accuracy {metrics["final"]!["test_accuracy"]} vs {single["final"]!["test_accuracy"]}");
            Assert.True(difference < 1e-4, $"{k} workers: relative coefficient difference {difference:E2}");
            Assert.Equal(single["final"]!["test_accuracy"]!.GetValue<double>(), metrics["final"]!["test_accuracy"]!.GetValue<double>());
            AssertShardsAndBytes(single, Ranks(job, k), k);
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Train_CenteredFourBitsOnThreeWorkersAndTwoSnapshots_HoldsAThirdOfThePackedBasisPerRank()
    {
        var job = await JobAsync("variant: centered\n      snapshots: {from: 1, to: 3}\n      projectionBits: 4\n      optimizer: {name: adamw, lr: 0.01, weightDecay: 0}");

        var single = await TrainAsync(job, 1);
        var three = await TrainAsync(job, 3);

        var difference = RelativeDifference(single, three);
        _output.WriteLine($"centered 4-bit, n = 2, K = 3: relative coefficient difference {difference:E2}");
        Assert.True(difference < 1e-4, $"relative coefficient difference {difference:E2}");
        Assert.Equal(single["final"]!["test_accuracy"]!.GetValue<double>(), three["final"]!["test_accuracy"]!.GetValue<double>());
        var d = single["model"]!["parameters"]!.GetValue<long>();
        var ranks = Ranks(job, 3);
        foreach (var rank in ranks)
        {
            var columns = rank["columns"]!["count"]!.GetValue<long>();
            Assert.Equal(2 * ((columns * 4 + 7) / 8), rank["twa"]!["basis_bytes"]!.GetValue<long>()); // n·D_r·bits/8, packed
            Assert.InRange(rank["twa"]!["basis_bytes"]!.GetValue<long>(), 0.99 * 2 * d * 4 / 8 / 3, 1.01 * 2 * d * 4 / 8 / 3);
        }

        AssertShardsAndBytes(single, ranks, 3);
    }

    [Fact(Timeout = 120_000)]
    public async Task Train_TwoWorkersMissingDataset_Exits4WithTheRanksMessage()
    {
        var job = await JobAsync("snapshots: {from: 0, to: 3}");
        await File.WriteAllTextAsync(job, (await File.ReadAllTextAsync(job)).Replace(Data, "/nope/data", StringComparison.Ordinal));

        var r = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", Path.Combine(_dir.FullName, "missing"), "--workers", "2");

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("twa: error: worker ", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("/nope/data: dataset directory not found", r.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "missing", "metrics.json")));
    }

    [Fact(Timeout = 60_000)]
    public async Task Worker_NegativeOrdinal_Exits2()
    {
        var job = await JobAsync("snapshots: {from: 0, to: 3}");

        var r = await TwaProcess.RunAsync(null, "worker", "--job", job, "--ordinal", "-1", "--rendezvous", "127.0.0.1:1");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--ordinal -1: the ordinal must be >= 0", r.StdErr, StringComparison.Ordinal);
    }
}
