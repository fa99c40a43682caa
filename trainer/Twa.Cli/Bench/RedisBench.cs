using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Cli.Bench;

/// <summary>
/// The Redis part of `twa bench`: on a redis-server it starts for itself, times <see cref="RedisSnapshotStore"/>
/// saving and reading a snapshot (whole and one rank's quarter of the columns, into a preallocated tensor as the TWA
/// basis loader does, and whole into a new tensor) and compares the MB/s with redis-benchmark SET/GET on the same
/// server, like for like: values of the store's chunk size, one connection (the store's multiplexer) and as many
/// requests in flight as the store keeps (its read and write windows). Baseline runs are interleaved with the store's
/// repetitions so that load changes hit both. Target: the store reaches >= 50% of redis-benchmark. A benchmark, not
/// a test: targets missed are reported, not failed; a missing redis-server/redis-benchmark is reported and skipped.
/// </summary>
internal static class RedisBench
{
    public const string Schema = "twa-bench-redis/2";
    public const double TargetRatio = 0.5;
    private const int ChunkBytes = LocalSnapshotStore.DefaultChunkBytes;
    private const int WritePipeline = RedisChunkedValue.WriteWindow;
    private const int ReadPipeline = RedisChunkedValue.ReadWindow;

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
        var rounds = settings.Quick ? 1 : 3;
        var repsPerRound = 3;
        var requests = settings.Quick ? 100 : 400;
        var loadBefore = MachineFacts.LoadAverage();
        using var server = LocalRedisServer.Start();
        var version = RedisBenchmarkVersion();
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"twa bench: redis {server.Endpoint}: {rounds} round(s) of redis-benchmark SET/GET {ChunkBytes >> 20} MiB x {requests} and {repsPerRound} RedisSnapshotStore save/read(s) of a {snapshotBytes >> 20} MiB snapshot ..."));
        var prefix = JobKeyPrefix.ForLocalRun("bench");
        using var redis = RedisConnection.Connect(new RedisStoreOptions { Endpoints = [server.Endpoint], OperationTimeout = BenchSettings.Timeout });
        var store = new RedisSnapshotStore(redis, prefix, ChunkBytes) { ReplacedGrace = TimeSpan.FromSeconds(1) };
        var d = snapshotBytes / sizeof(float);
        var (set, get, write, read, readNew, shard) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        using (var flat = Tensors.Rand([d]))
        using (var whole = Tensors.Empty([d]))
        using (var quarter = Tensors.Empty([d / 4]))
        {
            // Repetition 0 warms the connection, the server and the destination pages; it is not counted.
            for (var i = 0; i <= rounds * repsPerRound; i++)
            {
                if (i % repsPerRound == 1)
                {
                    var (s, g) = RedisBenchmark(server.Port, requests);
                    set.Add(s);
                    get.Add(g);
                }

                var w = Time(() => store.Save(0, flat, [], new Dictionary<string, string>()));
                var r = Time(() => store.ReadColumnsInto(0, 0, whole));
                var n = Time(() => store.ReadColumns(0, 0, d).Dispose());
                var q = Time(() => store.ReadColumnsInto(0, d / 4, quarter));
                if (i > 0)
                {
                    write.Add(w);
                    read.Add(r);
                    readNew.Add(n);
                    shard.Add(q);
                }
            }
        }

        redis.DeletePrefix(prefix.Value);
        var setRps = Series.Of(set);
        var getRps = Series.Of(get);
        var baseline = new RedisBenchmarkBaseline(
            $"redis-benchmark -t set -d {ChunkBytes} -n {requests} -c 1 -P {WritePipeline}; redis-benchmark -t get -d {ChunkBytes} -n {requests} -c 1 -P {ReadPipeline}",
            ChunkBytes, requests, 1, WritePipeline, ReadPipeline, setRps, getRps, setRps.Median * ChunkBytes / 1e6, getRps.Median * ChunkBytes / 1e6);
        var ws = Series.Of(write);
        var rs = Series.Of(read);
        var ns = Series.Of(readNew);
        var ss = Series.Of(shard);
        var writeMBps = snapshotBytes / ws.Median / 1e6;
        var readMBps = snapshotBytes / rs.Median / 1e6;
        var readNewMBps = snapshotBytes / ns.Median / 1e6;
        return new RedisBenchResult(Schema, settings.Quick, version, server.Endpoint, snapshotBytes, ChunkBytes, rounds, write.Count, ws, rs, ns, ss,
            writeMBps, readMBps, readNewMBps, snapshotBytes / 4 / ss.Median / 1e6, baseline, writeMBps / baseline.SetMBps, readMBps / baseline.GetMBps,
            readNewMBps / baseline.GetMBps, TargetRatio, loadBefore, MachineFacts.LoadAverage());
    }

    public static string Render(RedisBenchResult r, string jsonPath)
    {
        var inv = CultureInfo.InvariantCulture;
        var b = r.Baseline;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"(f) redis snapshot store vs redis-benchmark on the same server ({r.RedisVersion}, {r.Endpoint}), MB/s (1e6 B), medians of {r.Reps} store reps and {r.Rounds} interleaved redis-benchmark runs; load avg {r.LoadAverage1m:F1} -> {r.LoadAverage1mAtEnd:F1}");
        var save = $"save {r.SnapshotBytes >> 20} MiB in {r.ChunkBytes >> 20} MiB chunks, {b.WritePipeline} HSET in flight";
        var read = $"read whole, into a preallocated tensor, {b.ReadPipeline} HGET in flight";
        sb.AppendLine(inv, $"    store {save,-60} {r.WriteMBps,6:F0}   redis-benchmark SET -P {b.WritePipeline,-2} {b.SetMBps,6:F0}   ratio {r.WriteRatio:F2}");
        sb.AppendLine(inv, $"    store {read,-60} {r.ReadMBps,6:F0}   redis-benchmark GET -P {b.ReadPipeline,-2} {b.GetMBps,6:F0}   ratio {r.ReadRatio:F2}");
        sb.AppendLine(inv, $"    store {"read whole, into a new tensor (fresh pages)",-60} {r.ReadNewMBps,6:F0}   {"(vs the same GET)",-32}   ratio {r.ReadNewRatio:F2}");
        sb.AppendLine(inv, $"    store {"read one rank's 1/4 columns, preallocated",-60} {r.ShardReadMBps,6:F0}");
        sb.AppendLine(inv, $"    like for like: {b.ValueBytes >> 20} MiB values (the chunk size), {b.Clients} connection, the store's request windows; baseline: {b.Command}");
        sb.AppendLine(inv, $"    target ratio >= {r.TargetRatio:F2}: save {(r.WriteRatio >= r.TargetRatio ? "met" : "missed")}, read {(r.ReadRatio >= r.TargetRatio ? "met" : "missed")}");
        sb.Append(inv, $"JSON: {jsonPath}");
        return sb.ToString();
    }

    private static double Time(Action action)
    {
        var t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>Requests/s of SET and GET from one redis-benchmark run (CSV output).</summary>
    private static (double Set, double Get) RedisBenchmark(int port, int requests) =>
        (RedisBenchmark(port, "set", WritePipeline, requests), RedisBenchmark(port, "get", ReadPipeline, requests));

    /// <summary>Requests/s of one redis-benchmark test (CSV output).</summary>
    private static double RedisBenchmark(int port, string test, int pipeline, int requests)
    {
        var info = new ProcessStartInfo("redis-benchmark") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", test, "-d", ChunkBytes.ToString(CultureInfo.InvariantCulture),
                     "-n", requests.ToString(CultureInfo.InvariantCulture), "-c", "1", "-P", pipeline.ToString(CultureInfo.InvariantCulture), "--csv" })
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

            return Rps(csv, test.ToUpperInvariant());
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
