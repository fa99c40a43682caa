using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Twa.Cli.Tests;

/// <summary>Elasticity of `twa train --workers N` for real (issue 4, deliverable 4): resizing 2 -> 3 -> 1 in the middle of
/// TWA (`--scale-at`) and SIGKILLing a worker mid-TWA (also ordinal 0, which hosts the generation's store and commits)
/// finish with the coefficients of the unresized run, because every rank restores the state committed after every
/// step; the time from each new generation to its first step is reported.</summary>
public sealed partial class ElasticTrainIntegrationTests : IDisposable
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(300);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-elastic-");
    private readonly ITestOutputHelper _output;

    public ElasticTrainIntegrationTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _dir.Delete(recursive: true);

    private string Data(int trainCount)
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;
        TestJobs.WriteImages(data, trainCount);
        return data;
    }

    private string Out(string name) => Path.Combine(_dir.FullName, name);

    private static async Task<JsonNode> MetricsAsync(string output) =>
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")))!;

    private async Task<JsonNode> ReferenceAsync(string job)
    {
        var r = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", Out("reference"), "--workers", "1");
        Assert.True(r.ExitCode == 0, r.StdErr);
        return await MetricsAsync(Out("reference"));
    }

    private void AssertSameResult(JsonNode reference, JsonNode resized)
    {
        var difference = TestJobs.RelativeDifference(TestJobs.Coefficients(reference), TestJobs.Coefficients(resized));
        _output.WriteLine($"relative coefficient difference to the unresized run: {difference:E2}");
        Assert.True(difference < 1e-4, $"relative coefficient difference {difference:E2}");
        Assert.Equal(reference["final"]!["test_accuracy"]!.GetValue<double>(), resized["final"]!["test_accuracy"]!.GetValue<double>());
    }

    /// <summary>The "generation G: K worker(s), first step ... X s after it was published" lines (seconds by generation).</summary>
    private Dictionary<int, double> FirstStepSeconds(string stderr)
    {
        var times = FirstStepLine().Matches(stderr).ToDictionary(
            m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        foreach (var (g, s) in times)
        {
            _output.WriteLine($"generation {g}: first step {s:F2} s after it was published");
        }

        return times;
    }

    [GeneratedRegex(@"generation (\d+): \d+ worker\(s\), first step \([a-z]+ step \d+\) ([0-9.]+) s after")]
    private static partial Regex FirstStepLine();

    [Fact(Timeout = 600_000)]
    public async Task Train_ResizeTwoThreeOneMidTwa_EndsWithTheUnresizedCoefficients()
    {
        // 540 training images in global batches of 25: 22 TWA steps per epoch, 44 in all; resize after steps 10 and 30.
        var job = await TestJobs.WriteAsync(_dir.FullName, Data(600), "snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}", twaEpochs: 2);
        var reference = await ReferenceAsync(job);

        var r = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", Out("resized"), "--workers", "2",
            "--scale-at", "10:3", "--scale-at", "30:1");

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("published generation 2: 3 worker(s)", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("published generation 3: 1 worker(s)", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("twa: resuming after step", r.StdErr, StringComparison.Ordinal);
        var times = FirstStepSeconds(r.StdErr);
        Assert.True(times.ContainsKey(2) && times.ContainsKey(3), r.StdErr);
        Assert.All(times.Values, s => Assert.InRange(s, 0, 60));
        var metrics = await MetricsAsync(Out("resized"));
        AssertSameResult(reference, metrics);
        Assert.Equal(1, metrics["workers"]!.GetValue<int>());
        Assert.Equal(5, File.ReadAllLines(Path.Combine(Out("resized"), "history.csv")).Length); // header + 2 base + 2 twa
    }

    [Theory(Timeout = 600_000)]
    [InlineData(1)]
    [InlineData(0)] // rank 0: hosts the generation's store and writes the commits
    public async Task Train_WorkerKilledMidTwa_FinishesWithTheUnresizedCoefficients(int victim)
    {
        // 1,080 training images in global batches of 25: 44 TWA steps per epoch, 132 in all.
        var job = await TestJobs.WriteAsync(_dir.FullName, Data(1200), "snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}", twaEpochs: 3);
        var reference = await ReferenceAsync(job);
        var output = Out($"killed-{victim}");

        var run = TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", output, "--workers", "3");
        var state = Path.Combine(output, "state", "twa-state.safetensors");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(state) && !run.IsCompleted && clock.Elapsed < s_runTimeout)
        {
            await Task.Delay(10);
        }

        Assert.True(File.Exists(state), "TWA never committed a state");
        var killed = KillWorker(output, victim);
        var r = await run;

        Assert.True(killed, $"worker {victim} was not found running mid-TWA");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains($"worker {victim} was lost", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("published generation 2: 2 worker(s)", r.StdErr, StringComparison.Ordinal);
        Assert.True(FirstStepSeconds(r.StdErr).ContainsKey(2), r.StdErr);
        AssertSameResult(reference, await MetricsAsync(output));
    }

    /// <summary>SIGKILLs the `twa worker --ordinal N` process of this output directory (found through /proc).</summary>
    private static bool KillWorker(string output, int ordinal)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var i = Array.IndexOf(args, "--ordinal");
            if (args.Contains("worker") && args.Contains(output) && i >= 0 && args[i + 1] == ordinal.ToString(CultureInfo.InvariantCulture))
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
                return true;
            }
        }

        return false;
    }
}
