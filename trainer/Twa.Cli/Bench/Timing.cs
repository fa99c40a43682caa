using System.Diagnostics;

namespace Twa.Cli.Bench;

/// <summary>Warm-up then repeated timed runs; the callers take medians over the returned samples.</summary>
internal static class Timing
{
    /// <summary>Runs <paramref name="body"/> <paramref name="warmup"/> times untimed, then returns the
    /// duration in seconds of each of <paramref name="reps"/> timed runs.</summary>
    public static double[] Seconds(int warmup, int reps, Action body)
    {
        for (var i = 0; i < warmup; i++)
        {
            body();
        }

        var samples = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            body();
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        return samples;
    }

    /// <summary>Calls <paramref name="batch"/>(<paramref name="calls"/>) untimed until at least
    /// <paramref name="warmup"/> has passed (so the JIT reaches its optimised tier), then returns ns per
    /// call for each of <paramref name="samples"/> timed batches.</summary>
    public static double[] NsPerCall(int calls, int samples, TimeSpan warmup, Action<int> batch)
    {
        var w0 = Stopwatch.GetTimestamp();
        do
        {
            batch(calls);
        }
        while (Stopwatch.GetElapsedTime(w0) < warmup);

        var ns = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            batch(calls);
            ns[i] = Stopwatch.GetElapsedTime(t0).TotalNanoseconds / calls;
        }

        return ns;
    }
}
