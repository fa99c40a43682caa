using System.Diagnostics;
using Twa.Metrics;

namespace Twa.Metrics.Tests;

/// <summary>Real output checked by Prometheus' own linter (`promtool check metrics`, Debian package prometheus).</summary>
public sealed class PromtoolIntegrationTests
{
    [Fact(Timeout = 60_000)]
    public async Task CheckMetrics_TrainerMetricsWithValues_Passes()
    {
        var m = new TrainerMetrics();
        m.BasisShardBytes.Set(123_456_789);
        m.SetDeviceMemory(1L << 30, 2L << 30, 80L << 30);
        m.ProjectionSeconds.Observe(0.0123);
        m.StepSeconds.Observe(0.05);
        m.StepSeconds.Observe(12.5);
        m.ObserveCollective("allreduce", 0.004, 1 << 20);
        m.ObserveCollective("all_gather", 0.001, 1 << 18);
        m.ObserveCollective("reduce_scatter", 0.002, 1 << 18);
        m.Samples.Inc(512);
        m.Loss.Set(0.3173);
        m.Accuracy.WithLabels("test").Set(0.9121);
        m.Accuracy.WithLabels("holdout").Set(0.9);
        m.SetMembership(3, 2, 1);
        m.Restarts.Inc();
        m.LastCommitTimestamp.SetToCurrentTime();
        m.SetBuildInfo("0.1.0", "2.1.2", "none");
        var (exit, output) = await PromtoolAsync(m.Registry.Export());
        Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics exited {exit}:\n{output}");
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckMetrics_EscapedLabelsAndSpecialValues_Passes()
    {
        var r = new MetricsRegistry();
        r.CreateGauge("x_ratio", "Help with \\ backslash and\nnewline.", "path").WithLabels("C:\\a \"b\"\nc").Set(double.NaN);
        r.CreateGauge("y_ratio", "Infinite.").Set(double.PositiveInfinity);
        r.CreateHistogram("z_seconds", "Tiny.", Histogram.ExponentialBuckets(1e-6, 10, 5), "op").WithLabels("a").Observe(3e-5);
        var (exit, output) = await PromtoolAsync(r.Export());
        Assert.True(exit == 0 && output.Length == 0, $"promtool check metrics exited {exit}:\n{output}");
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckMetrics_BrokenExposition_Fails()
    {
        var (exit, _) = await PromtoolAsync("# TYPE a counter\na_total{x=\"unterminated} 1\n");
        Assert.NotEqual(0, exit);
    }

    private static async Task<(int Exit, string Output)> PromtoolAsync(string exposition)
    {
        var info = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed (not on PATH); run `make deps` (Debian package prometheus)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(exposition);
            process.StandardInput.Close();
            await process.WaitForExitAsync();
            return (process.ExitCode, (await stdout + await stderr).Trim());
        }
    }
}
