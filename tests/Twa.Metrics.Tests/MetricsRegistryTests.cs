using Twa.Metrics;

namespace Twa.Metrics.Tests;

public sealed class MetricsRegistryTests
{
    [Fact]
    public void Export_SmallRegistry_ExactText()
    {
        var r = new MetricsRegistry();
        var requests = r.CreateCounter("app_requests_total", "Requests served.", "code");
        var temperature = r.CreateGauge("app_temperature_celsius", "Current temperature.");
        var latency = r.CreateHistogram("app_latency_seconds", "Request latency.", [0.1, 0.5, 1]);
        requests.WithLabels("500").Inc();
        requests.WithLabels("200").Inc(3);
        temperature.Set(-2.5);
        latency.Observe(0.1);
        latency.Observe(0.3);
        latency.Observe(7);

        const string expected = """
            # HELP app_latency_seconds Request latency.
            # TYPE app_latency_seconds histogram
            app_latency_seconds_bucket{le="0.1"} 1
            app_latency_seconds_bucket{le="0.5"} 2
            app_latency_seconds_bucket{le="1"} 2
            app_latency_seconds_bucket{le="+Inf"} 3
            app_latency_seconds_sum 7.4
            app_latency_seconds_count 3
            # HELP app_requests_total Requests served.
            # TYPE app_requests_total counter
            app_requests_total{code="200"} 3
            app_requests_total{code="500"} 1
            # HELP app_temperature_celsius Current temperature.
            # TYPE app_temperature_celsius gauge
            app_temperature_celsius -2.5

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), r.Export());
    }

    [Fact]
    public void Export_LabelValuesAndHelp_AreEscaped()
    {
        var r = new MetricsRegistry();
        var g = r.CreateGauge("x_info", "Path C:\\tmp\nsecond line \"quoted\".", "path", "note");
        g.WithLabels("C:\\dir", "say \"hi\"\nbye").Set(1);
        Assert.Equal(
            "# HELP x_info Path C:\\\\tmp\\nsecond line \"quoted\".\n" +
            "# TYPE x_info gauge\n" +
            "x_info{path=\"C:\\\\dir\",note=\"say \\\"hi\\\"\\nbye\"} 1\n",
            r.Export());
    }

    [Fact]
    public void Export_SpecialValues_UseGoSpelling()
    {
        var r = new MetricsRegistry();
        r.CreateGauge("a", "a").Set(double.PositiveInfinity);
        r.CreateGauge("b", "b").Set(double.NegativeInfinity);
        r.CreateGauge("c", "c").Set(double.NaN);
        r.CreateGauge("d", "d").Set(1e-7);
        r.CreateGauge("e", "e").Set(123456789012);
        var lines = r.Export().Split('\n').Where(l => !l.StartsWith('#') && l.Length > 0).ToArray();
        Assert.Equal(["a +Inf", "b -Inf", "c NaN", "d 1E-07", "e 123456789012"], lines);
    }

    [Fact]
    public void Export_LabeledFamilyWithoutSeries_IsOmittedButUnlabeledShowsZero()
    {
        var r = new MetricsRegistry();
        r.CreateCounter("jobs_total", "Jobs.", "state");
        r.CreateCounter("starts_total", "Starts.");
        r.CreateHistogram("wait_seconds", "Wait.", [1]);
        Assert.Equal(
            "# HELP starts_total Starts.\n# TYPE starts_total counter\nstarts_total 0\n" +
            "# HELP wait_seconds Wait.\n# TYPE wait_seconds histogram\nwait_seconds_bucket{le=\"1\"} 0\nwait_seconds_bucket{le=\"+Inf\"} 0\nwait_seconds_sum 0\nwait_seconds_count 0\n",
            r.Export());
    }

    [Fact]
    public void Observe_ValueOnBound_CountsInThatBucket()
    {
        var r = new MetricsRegistry();
        var h = r.CreateHistogram("h_seconds", "h", [1, 2], "op");
        h.WithLabels("x").Observe(1);
        h.WithLabels("x").Observe(2);
        h.WithLabels("x").Observe(2.0000001);
        Assert.Contains("h_seconds_bucket{op=\"x\",le=\"1\"} 1\n", r.Export(), StringComparison.Ordinal);
        Assert.Contains("h_seconds_bucket{op=\"x\",le=\"2\"} 2\n", r.Export(), StringComparison.Ordinal);
        Assert.Contains("h_seconds_bucket{op=\"x\",le=\"+Inf\"} 3\n", r.Export(), StringComparison.Ordinal);
        Assert.Equal(3, h.WithLabels("x").Count);
    }

    [Fact]
    public void RemoveSeries_JobLabels_RemovesThatJobsSeriesInEveryFamily()
    {
        var r = new MetricsRegistry();
        var ready = r.CreateGauge("twa_job_ready_replicas", "Ready.", "namespace", "twajob");
        var restarts = r.CreateCounter("twa_job_failure_restarts_total", "Restarts.", "namespace", "twajob", "action");
        var fleet = r.CreateGauge("twa_jobs", "Jobs by state.", "state");
        ready.WithLabels("a", "j1").Set(2);
        ready.WithLabels("a", "j2").Set(3);
        restarts.WithLabels("a", "j1", "Count").Inc();
        restarts.WithLabels("a", "j1", "Ignore").Inc();
        fleet.WithLabels("Running").Set(2);
        Assert.Equal(3, r.RemoveSeries(new Dictionary<string, string> { ["namespace"] = "a", ["twajob"] = "j1" }));
        var text = r.Export();
        Assert.DoesNotContain("j1", text, StringComparison.Ordinal);
        Assert.Contains("twa_job_ready_replicas{namespace=\"a\",twajob=\"j2\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("twa_jobs{state=\"Running\"} 2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("twa_job_failure_restarts_total", text, StringComparison.Ordinal);
        Assert.True(ready.RemoveLabels("a", "j2"));
        Assert.False(ready.RemoveLabels("a", "j2"));
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("a-b")]
    [InlineData("")]
    [InlineData("a b")]
    public void CreateGauge_InvalidName_Throws(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => new MetricsRegistry().CreateGauge(name, "h"));

    [Theory]
    [InlineData("__x")]
    [InlineData("a:b")]
    [InlineData("0a")]
    public void CreateGauge_InvalidLabelName_Throws(string label) =>
        Assert.Throws<ArgumentException>(() => new MetricsRegistry().CreateGauge("g", "h", label));

    [Fact]
    public void CreateCounter_NameWithoutTotal_ThrowsNamingTheRule()
    {
        var e = Assert.Throws<ArgumentException>(() => new MetricsRegistry().CreateCounter("requests", "h"));
        Assert.Contains("_total", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ClashingNames_Throw()
    {
        var r = new MetricsRegistry();
        r.CreateHistogram("lat_seconds", "h", [1]);
        Assert.Throws<ArgumentException>(() => r.CreateGauge("lat_seconds_sum", "h"));
        Assert.Throws<ArgumentException>(() => r.CreateGauge("lat_seconds", "h"));
        r.CreateGauge("x_count", "h");
        Assert.Throws<ArgumentException>(() => r.CreateHistogram("x", "h", [1]));
    }

    [Fact]
    public void CreateHistogram_BadBucketsOrLeLabel_Throw()
    {
        var r = new MetricsRegistry();
        Assert.Throws<ArgumentException>(() => r.CreateHistogram("a", "h", []));
        Assert.Throws<ArgumentException>(() => r.CreateHistogram("b", "h", [1, 1]));
        Assert.Throws<ArgumentException>(() => r.CreateHistogram("c", "h", [2, 1]));
        Assert.Throws<ArgumentException>(() => r.CreateHistogram("d", "h", [double.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => r.CreateHistogram("e", "h", [1], "le"));
    }

    [Fact]
    public void WithLabels_WrongCount_ThrowsNamingTheLabels()
    {
        var g = new MetricsRegistry().CreateGauge("g", "h", "kind", "op");
        var e = Assert.Throws<ArgumentException>(() => g.WithLabels("x"));
        Assert.Contains("kind, op", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => g.Set(1));
        Assert.Same(g.WithLabels("a", "b"), g.WithLabels("a", "b"));
    }

    [Fact]
    public void Inc_NegativeCounterAmount_Throws()
    {
        var c = new MetricsRegistry().CreateCounter("c_total", "h");
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Inc(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Inc(double.NaN));
        Assert.Equal(0, c.Value);
    }

    [Fact(Timeout = 30_000)]
    public async Task Updates_FromManyThreadsDuringExport_AreAllCounted()
    {
        var r = new MetricsRegistry();
        var c = r.CreateCounter("c_total", "h", "op");
        var h = r.CreateHistogram("h_seconds", "h", [0.5]);
        var g = r.CreateGauge("g", "h");
        var workers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                c.WithLabels(t % 2 == 0 ? "a" : "b").Inc(0.5);
                h.Observe(i % 2);
                g.Inc();
            }
        })).ToArray();
        var exporter = Task.Run(() =>
        {
            while (!workers.All(w => w.IsCompleted))
            {
                var text = r.Export();
                var count = Value(text, "h_seconds_count");
                Assert.Equal(count, Value(text, "h_seconds_bucket{le=\"+Inf\"}"));
            }
        });
        await Task.WhenAll(workers);
        await exporter;
        Assert.Equal(20_000, c.WithLabels("a").Value);
        Assert.Equal(20_000, c.WithLabels("b").Value);
        Assert.Equal(80_000, h.WithLabels().Count);
        Assert.Equal(40_000, h.WithLabels().Sum);
        Assert.Equal(80_000, g.Value);
    }

    private static double Value(string text, string series) =>
        double.Parse(text.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
