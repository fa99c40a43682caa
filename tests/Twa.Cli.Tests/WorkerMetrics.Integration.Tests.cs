using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Twa.Cli.Tests;

/// <summary>Per-rank metrics for real (issue 4, deliverable 6): a 2-worker job with `--metrics-port 0` serves /metrics,
/// /healthz and /readyz on each worker; a scrape taken during TWA passes `promtool check metrics` and holds plausible
/// values (generation, world size, the rank's basis shard bytes as in ranks/rank-R.json, samples, collectives).</summary>
[Collection(LocalWorkers.Name)]
public sealed partial class WorkerMetricsIntegrationTests : IDisposable
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(300);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-metrics-");
    private readonly ITestOutputHelper _output;

    public WorkerMetricsIntegrationTests(ITestOutputHelper output)
    {
        _output = output;
        TestJobs.WriteImages(Data, trainCount: 1200);
    }

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    [GeneratedRegex(@"twa: worker (\d+): metrics on port (\d+) ")]
    private static partial Regex MetricsLine();

    /// <summary>The value of the unlabeled (or exactly labeled) sample <paramref name="series"/> in an exposition.</summary>
    private static double Sample(string text, string series)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no sample '{series}' in:\n{text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact(Timeout = 600_000)]
    public async Task Train_TwoWorkersWithMetricsPort_ServeValidPlausibleMetricsDuringTwa()
    {
        var job = await TestJobs.WriteAsync(_dir.FullName, Data, "variant: centered\n      snapshots: {from: 0, to: 3}\n      projectionBits: 4\n      optimizer: {name: adamw, lr: 0.01}", twaEpochs: 8);
        var output = Path.Combine(_dir.FullName, "out");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "twa.dll"), "train", job, "--out", output, "--workers", "2", "--threads", "2", "--metrics-port", "0" })
        {
            psi.ArgumentList.Add(a);
        }

        var stderr = new ConcurrentQueue<string>();
        var ports = new ConcurrentDictionary<int, int>();
        using var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                stderr.Enqueue(line);
                if (MetricsLine().Match(line) is { Success: true } m)
                {
                    ports[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string? scrape = null;
        HttpStatusCode healthz = 0, readyz = 0, missing = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            while (scrape is null && !process.HasExited && clock.Elapsed < s_runTimeout)
            {
                await Task.Delay(20);
                if (!ports.TryGetValue(0, out var port))
                {
                    continue;
                }

                string text;
                try
                {
                    text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                }
                catch (HttpRequestException)
                {
                    continue; // the worker went away between two scrapes; the loop ends on its exit
                }

                if (Sample(text, "twa_basis_shard_bytes") > 0 && Sample(text, "twa_projection_seconds_count") > 0)
                {
                    scrape = text; // TWA is running: the basis is built and projections are being timed
                    healthz = (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"))).StatusCode;
                    readyz = (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"))).StatusCode;
                    missing = (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/nope"))).StatusCode;
                }
            }

            await process.WaitForExitAsync(new CancellationTokenSource(s_runTimeout).Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.True(process.ExitCode == 0, string.Join('\n', stderr));
        Assert.True(scrape is not null, $"never scraped worker 0 during TWA:\n{string.Join('\n', stderr)}");
        _output.WriteLine(scrape);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound), (healthz, readyz, missing));

        var file = Path.Combine(_dir.FullName, "scrape.txt");
        await File.WriteAllTextAsync(file, scrape);
        var promtool = await PromtoolAsync(file);
        _output.WriteLine($"promtool check metrics: exit {promtool.ExitCode} {promtool.Output}");
        Assert.True(promtool.ExitCode == 0, $"promtool check metrics failed:\n{promtool.Output}");

        var rank = (int)Sample(scrape, "twa_rank");
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "ranks", $"rank-{rank}.json")))!;
        Assert.Equal(report["twa"]!["basis_bytes"]!.GetValue<long>(), (long)Sample(scrape, "twa_basis_shard_bytes"));
        Assert.True(Sample(scrape, "twa_generation") >= 1);
        Assert.Equal(2, Sample(scrape, "twa_world_size"));
        Assert.InRange(rank, 0, 1);
        Assert.True(Sample(scrape, "twa_samples_total") > 0);
        Assert.True(Sample(scrape, "twa_step_seconds_count") > 0);
        Assert.True(Sample(scrape, "twa_collective_bytes_total{op=\"all_reduce\"}") > 0);
        Assert.True(Sample(scrape, "twa_collective_seconds_count{op=\"all_gather\"}") > 0);
        Assert.True(Sample(scrape, "twa_last_commit_timestamp_seconds") > DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds() || rank != 0);
        Assert.InRange(Sample(scrape, "twa_loss"), 0, 10);
        Assert.InRange(Sample(scrape, "twa_accuracy{split=\"train\"}"), 0, 1);
        Assert.Contains("twa_build_info{version=\"", scrape, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(string file)
    {
        var psi = new ProcessStartInfo("promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("check");
        psi.ArgumentList.Add("metrics");
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed (not on PATH); run `make deps` (Debian package prometheus)", e);
        }

        using (p)
        {
            await p.StandardInput.WriteAsync(await File.ReadAllTextAsync(file));
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            return (p.ExitCode, await stdout + await errors);
        }
    }
}
