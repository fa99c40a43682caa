using System.Net;

namespace Twa.Cli.Tests;

/// <summary>The rank's HTTP endpoint on an ephemeral port: probes follow the rank's state, /metrics is the 0.0.4 text
/// format with the values the run reported, other paths and methods are refused.</summary>
public sealed class MetricsServerTests
{
    [Fact(Timeout = 30_000)]
    public async Task Get_BeforeAndAfterAStep_ReadyzTurnsOkAndMetricsHoldTheStep()
    {
        var metrics = new RankMetrics();
        using var server = MetricsServer.Start(0, metrics);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/"), Timeout = TimeSpan.FromSeconds(10) };

        var notReady = await http.GetAsync(new Uri("readyz", UriKind.Relative));
        var healthy = await http.GetAsync(new Uri("healthz", UriKind.Relative));
        metrics.Joined(3, 2, 1);
        metrics.StepDone("twa", 0.25, 12, 0.5);
        metrics.BasisBuilt(4096);
        var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative));
        var scrape = await http.GetAsync(new Uri("metrics", UriKind.Relative));
        var text = await scrape.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", scrape.Content.Headers.ContentType!.ToString());
        Assert.Contains("\ntwa_samples_total 12\n", text, StringComparison.Ordinal);
        Assert.Contains("\ntwa_generation 3\n", text, StringComparison.Ordinal);
        Assert.Contains("\ntwa_rank 1\n", text, StringComparison.Ordinal);
        Assert.Contains("\ntwa_basis_shard_bytes 4096\n", text, StringComparison.Ordinal);
        Assert.Contains("\ntwa_step_seconds_count 1\n", text, StringComparison.Ordinal);
        // Device memory is read at the scrape: on this CPU run, malloc'd bytes <= resident set <= the memory the process may use.
        var memory = new Dictionary<string, double>();
        foreach (var kind in new[] { "allocated", "reserved", "total" })
        {
            var line = text.Split('\n').Single(l => l.StartsWith($"twa_device_memory_bytes{{kind=\"{kind}\"}} ", StringComparison.Ordinal));
            memory[kind] = double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.InRange(memory["allocated"], 1 << 20, memory["total"]);
        Assert.InRange(memory["reserved"], 16 << 20, memory["total"]);
        metrics.Restarting();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Request_UnknownPathOrMethod_Returns404Or405()
    {
        using var server = MetricsServer.Start(0, new RankMetrics());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/"), Timeout = TimeSpan.FromSeconds(10) };

        var missing = await http.GetAsync(new Uri("nope", UriKind.Relative));
        using var content = new StringContent("x");
        var post = await http.PostAsync(new Uri("metrics", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public void Start_PortInUse_ThrowsNamingTheOption()
    {
        using var first = MetricsServer.Start(0, new RankMetrics());

        var e = Assert.Throws<IOException>(() => MetricsServer.Start(first.Port, new RankMetrics()));

        Assert.Contains($"--metrics-port {first.Port}", e.Message, StringComparison.Ordinal);
    }
}
