using System.CommandLine;
using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>`twa train JOB.yaml [--out DIR] [--store DIR|redis://...] [--seed S] [--workers N] [--threads N]`: runs a
/// TwaJob on this machine, in this process for one worker, or as N local rank processes (<see cref="LocalLauncher"/>).
/// With a Redis store, snapshots and committed state live under a new key prefix <c>twa:local:{job}:{run-id}:</c>
/// (logged at the start); Redis is checked before anything runs. Exit codes as <see cref="RunFailures"/>. Errors are
/// one line on stderr.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var job = new Argument<FileInfo>("job") { Description = "TwaJob YAML file" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory (metrics.json, history.csv, model.safetensors, curves.svg)", DefaultValueFactory = _ => new DirectoryInfo("runs/latest") };
        var store = new Option<string?>("--store") { Description = "Snapshot store: a directory (default OUT/snapshots; state in OUT/state) or redis://[:password@]host:port[/db] / rediss://... for snapshots and state (password also from TWA_REDIS_PASSWORD)" };
        var seed = new Option<long?>("--seed") { Description = "Overrides spec.training.seed" };
        var workers = new Option<int?>("--workers") { Description = "Number of local workers, one process each (default spec.replicas)" };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads in all (default: all cores; split over the workers). OpenBLAS runs on 1 thread unless OPENBLAS_NUM_THREADS is set" };
        var scaleAt = new Option<string[]>("--scale-at") { Description = "[base:|twa:]STEP:N (repeatable): resize to N workers once STEP steps of that phase (default twa) are done (elasticity, local)" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve /metrics, /healthz, /readyz per worker on port P (+ordinal with --workers; 0 = ephemeral, logged); default: off" };
        var command = new Command("train", "Run a TwaJob on this machine (no cluster; Redis optional)") { job, output, store, seed, workers, threads, scaleAt, metricsPort };
        command.SetAction(parse => Run(parse.GetValue(job)!, parse.GetValue(output)!, parse.GetValue(store), parse.GetValue(seed),
            parse.GetValue(workers), parse.GetValue(threads), parse.GetValue(scaleAt) ?? [], parse.GetValue(metricsPort)));
        return command;
    }

    private static int Run(FileInfo jobFile, DirectoryInfo output, string? store, long? seed, int? workers, int? threads, string[] scaleAt, int? metricsPort) =>
        RunFailures.Guard(() =>
        {
            var resizes = scaleAt.Select(ParseScaleAt).ToArray();
            var job = TwaJobLoader.Load(jobFile.FullName);
            var count = workers ?? Math.Max(job.Spec.Replicas, 1);
            if (count < 1)
            {
                return RunFailures.Fail(2, $"--workers {count}: the number of workers must be at least 1");
            }

            if (metricsPort is < 0 or > 65535)
            {
                return RunFailures.Fail(2, $"--metrics-port {metricsPort}: expected 0 (ephemeral) to 65535");
            }

            ProjectionKernels.Apply(); // a bad TWA_PROJECTION_ISA fails here, before any work (the workers inherit it)
            var progress = new ProgressLine();
            var prefix = RunStores.IsRedisUri(store) ? JobKeyPrefix.ForLocalRun(job.Metadata.Name) : null;
            using var stores = RunStores.Open(store, prefix, progress.Log); // a dead Redis fails here, before any work
            if (stores.IsRedis)
            {
                progress.Log($"store: {StoreUri.Parse(store!)} under key prefix {prefix}");
            }

            if (count > 1 || resizes.Length > 0)
            {
                stores.Dispose(); // the workers open their own connections
                return LocalLauncher.Run(new LaunchSettings(jobFile.FullName, output.FullName, stores.Directory ?? (stores.IsRedis ? store : null), seed, count, threads)
                {
                    ScaleAt = resizes, KeyPrefix = prefix?.Value, MetricsPort = metricsPort,
                });
            }

            TrainingThreads.Apply(threads ?? Environment.ProcessorCount);
            var metrics = metricsPort is null ? null : new RankMetrics();
            using var server = metricsPort is int p ? MetricsServer.Start(p, metrics!) : null;
            if (server is not null)
            {
                progress.Log($"twa: metrics on port {server.Port} (/metrics, /healthz, /readyz)");
                metrics!.Joined(1, 1, 0);
            }

            JobRunner.Run(job, stores.Apply(new RunOptions(output.FullName, null, seed, progress.Log) { Progress = progress.Report, Observer = metrics }));
            return 0;
        });

    private static (string Phase, long Step, int Workers) ParseScaleAt(string value)
    {
        var parts = value.Split(':');
        var phase = parts.Length == 3 ? parts[0] : "twa";
        if (parts.Length is < 2 or > 3 || phase is not ("base" or "twa")
            || !long.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var workers) || workers < 1)
        {
            throw new JobFileException($"--scale-at '{value}': expected [base:|twa:]STEP:N with STEP >= 0 steps of that phase (default twa) and N >= 1 workers, e.g. --scale-at 20:3 or --scale-at base:50:3");
        }

        return (phase, step, workers);
    }
}
