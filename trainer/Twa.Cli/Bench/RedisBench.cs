using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Cli.Bench;

/// <summary>
/// The Redis part of `twa bench`: on a redis-server it starts for itself, times <see cref="RedisSnapshotStore"/>
/// saving and reading a snapshot (whole, and one rank's quarter of the columns) and compares the MB/s with
/// redis-benchmark SET/GET of values of the store's chunk size (one connection, pipelined, like the store's
/// multiplexer) on the same server. Target: the store reaches >= 50% of redis-benchmark. A benchmark, not a
/// test: targets missed are reported, not failed; a missing redis-server/redis-benchmark is reported and skipped.
/// </summary>
internal static class RedisBench
{
    public const string Schema = "twa-bench-redis/1";
    public const double TargetRatio = 0.5;
    private const int ChunkBytes = LocalSnapshotStore.DefaultChunkBytes;
    private const int Pipeline = 8;

    /// <summary>Runs the benchmark, writes its JSON beside <see cref="BenchSettings.OutPath"/> (NAME.redis.json)
    /// and prints its table to <paramref name="output"/>; progress and skips go to <paramref name="progress"/>.</summary>
    public static void RunAndReport(BenchSettings settings, TextWriter output, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        RedisBenchResult result;
        try
        {
            result = Run(settings, progress);
        }
        catch (Exception e) when (e is FileNotFoundException or StoreUnavailableException)
        {
            progress.WriteLine($"twa bench: redis part skipped: {e.Message}");
            return;
        }

        var path = JsonPath(settings.OutPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(result, RedisBenchJsonContext.Default.RedisBenchResult) + "\n");
        output.WriteLine(Render(result, path));
    }

    /// <summary>bench-results/bench.json becomes bench-results/bench.redis.json.</summary>
    public static string JsonPath(string benchJson) => Path.ChangeExtension(benchJson, ".redis.json");

    public static RedisBenchResult Run(BenchSettings settings, TextWriter progress)
    {
        var snapshotBytes = settings.Quick ? 16L << 20 : 64L << 20;
        var reps = settings.Quick ? 3 : 7;
        var requests = settings.Quick ? 100 : 400;
        var baselineRuns = settings.Quick ? 1 : 3;
        var loadBefore = MachineFacts.LoadAverage();
        using var server = LocalRedisServer.Start();
        var version = RedisBenchmarkVersion();
        progress.WriteLine($"twa bench: redis {server.Endpoint}: redis-benchmark SET/GET {ChunkBytes >> 20} MiB x {requests}, {baselineRuns} run(s) ...");
        var set = new List<double>();
        var get = new List<double>();
        for (var i = 0; i < baselineRuns; i++)
        {
            var (s, g) = RedisBenchmark(server.Port, requests);
            set.Add(s);
            get.Add(g);
        }

        progress.WriteLine($"twa bench: redis: RedisSnapshotStore save/read of a {snapshotBytes >> 20} MiB snapshot x {reps} ...");
        var prefix = JobKeyPrefix.ForLocalRun("bench");
        using var redis = RedisConnection.Connect(new RedisStoreOptions { Endpoints = [server.Endpoint], OperationTimeout = BenchSettings.Timeout });
        var store = new RedisSnapshotStore(redis, prefix, ChunkBytes) { ReplacedGrace = TimeSpan.FromSeconds(1) };
        var d = snapshotBytes / sizeof(float);
        var write = new List<double>();
        var read = new List<double>();
        var shard = new List<double>();
        using (var flat = Tensors.Rand([d]))
        {
            for (var i = 0; i <= reps; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                store.Save(0, flat, [], new Dictionary<string, string>());
                var w = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                t0 = Stopwatch.GetTimestamp();
                using (store.ReadColumns(0, 0, d))
                {
                }

                var r = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                t0 = Stopwatch.GetTimestamp();
                using (store.ReadColumns(0, d / 4, d / 4))
                {
                }

                var q = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (i > 0)
                {
                    write.Add(w);
                    read.Add(r);
                    shard.Add(q);
                }
            }
        }

        redis.DeletePrefix(prefix.Value);
        var setRps = Series.Of(set);
        var getRps = Series.Of(get);
        var baseline = new RedisBenchmarkBaseline(
            $"redis-benchmark -t set,get -d {ChunkBytes} -n {requests} -c 1 -P {Pipeline}", ChunkBytes, requests, 1, Pipeline,
            setRps, getRps, setRps.Median * ChunkBytes / 1e6, getRps.Median * ChunkBytes / 1e6);
        var ws = Series.Of(write);
        var rs = Series.Of(read);
        var ss = Series.Of(shard);
        var writeMBps = snapshotBytes / ws.Median / 1e6;
        var readMBps = snapshotBytes / rs.Median / 1e6;
        return new RedisBenchResult(Schema, settings.Quick, version, server.Endpoint, snapshotBytes, ChunkBytes, reps, ws, rs, ss,
            writeMBps, readMBps, snapshotBytes / 4 / ss.Median / 1e6, baseline, writeMBps / baseline.SetMBps, readMBps / baseline.GetMBps, TargetRatio,
            loadBefore, MachineFacts.LoadAverage());
    }

    public static string Render(RedisBenchResult r, string jsonPath)
    {
        var inv = CultureInfo.InvariantCulture;
        var b = r.Baseline;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"(f) redis snapshot store vs redis-benchmark on the same server ({r.RedisVersion}, {r.Endpoint}), MB/s (1e6 B), medians; load avg {r.LoadAverage1m:F1} -> {r.LoadAverage1mAtEnd:F1}");
        sb.AppendLine(inv, $"    store save   {r.SnapshotBytes >> 20} MiB in {r.ChunkBytes >> 20} MiB chunks  {r.WriteMBps,8:F0}   redis-benchmark SET  {b.SetMBps,8:F0}   ratio {r.WriteRatio:F2}");
        sb.AppendLine(inv, $"    store read   whole snapshot           {r.ReadMBps,8:F0}   redis-benchmark GET  {b.GetMBps,8:F0}   ratio {r.ReadRatio:F2}");
        sb.AppendLine(inv, $"    store read   one rank's 1/4 columns   {r.ShardReadMBps,8:F0}");
        sb.AppendLine(inv, $"    baseline: {b.Command}; target ratio >= {r.TargetRatio:F2}: save {(r.WriteRatio >= r.TargetRatio ? "met" : "missed")}, read {(r.ReadRatio >= r.TargetRatio ? "met" : "missed")}");
        sb.Append(inv, $"JSON: {jsonPath}");
        return sb.ToString();
    }

    /// <summary>Requests/s of SET and GET from one redis-benchmark run (CSV output).</summary>
    private static (double Set, double Get) RedisBenchmark(int port, int requests)
    {
        var info = new ProcessStartInfo("redis-benchmark") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "set,get", "-d", ChunkBytes.ToString(CultureInfo.InvariantCulture),
                     "-n", requests.ToString(CultureInfo.InvariantCulture), "-c", "1", "-P", Pipeline.ToString(CultureInfo.InvariantCulture), "--csv" })
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-benchmark did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FileNotFoundException("redis-benchmark is not installed; run `make deps` (Debian package redis-server/redis-tools)", "redis-benchmark", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var csv = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(BenchSettings.Timeout) || process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-benchmark failed (exit {(process.HasExited ? process.ExitCode : -1)}): {stderr.Result}");
            }

            return (Rps(csv, "SET"), Rps(csv, "GET"));
        }
    }

    private static double Rps(string csv, string test)
    {
        var line = csv.Split('\n').FirstOrDefault(l => l.StartsWith($"\"{test}\"", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"redis-benchmark printed no {test} line:\n{csv}");
        return double.Parse(line.Split(',')[1].Trim('"'), CultureInfo.InvariantCulture);
    }

    private static string RedisBenchmarkVersion()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("redis-server", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var v = text.Split(' ').FirstOrDefault(t => t.StartsWith("v=", StringComparison.Ordinal));
            return v is null ? "redis" : $"redis {v[2..]}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "redis";
        }
    }
}
