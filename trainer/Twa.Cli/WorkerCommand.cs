using System.CommandLine;
using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>
/// `twa worker --job JOB.yaml --ordinal O --rendezvous HOST:PORT ...`: one elastic worker of a local distributed run
/// (<see cref="ElasticWorker"/>), started by <see cref="LocalLauncher"/>. Exit codes as <see cref="RunFailures"/> (0
/// also when the worker was removed by a scale-down), the message prefixed with the worker's ordinal.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var job = new Option<FileInfo>("--job") { Description = "TwaJob YAML file", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory shared by the workers", DefaultValueFactory = _ => new DirectoryInfo("runs/latest") };
        var store = new Option<string?>("--store") { Description = "Snapshot store directory (default OUT/snapshots) or redis:// URI (password from TWA_REDIS_PASSWORD)" };
        var keyPrefix = new Option<string?>("--key-prefix") { Description = "The run's Redis key prefix twa:NAMESPACE:JOB:UID: (required with a redis:// store)" };
        var seed = new Option<long?>("--seed") { Description = "Overrides spec.training.seed" };
        var ordinal = new Option<int>("--ordinal") { Description = "This worker's stable identity (>= 0); its rank comes from each membership generation", Required = true };
        var rendezvous = new Option<string>("--rendezvous") { Description = "HOST:PORT of the launcher's store holding the membership record", Required = true };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve /metrics, /healthz and /readyz on this port (0 = ephemeral, logged); default: no server" };
        var threads = new Option<int?>("--threads") { Description = "libtorch/BLAS threads of this worker (default: all cores)" };
        var timeout = new Option<int>("--collective-timeout-seconds") { Description = "Limit on every collective and on the wait for a generation", DefaultValueFactory = _ => 300 };
        var rendezvousTimeout = new Option<int>("--rendezvous-timeout-seconds") { Description = "Limit on the wait for every member of a generation to join", DefaultValueFactory = _ => 60 };
        var command = new Command("worker", "Run one elastic worker of a distributed job (started by `twa train --workers N`)")
        {
            job, output, store, keyPrefix, seed, ordinal, rendezvous, threads, timeout, rendezvousTimeout, metricsPort,
        };
        command.SetAction(parse => Run(
            parse.GetValue(job)!, parse.GetValue(output)!, parse.GetValue(store), parse.GetValue(keyPrefix), parse.GetValue(seed), parse.GetValue(ordinal),
            parse.GetValue(rendezvous)!, parse.GetValue(threads), parse.GetValue(timeout), parse.GetValue(rendezvousTimeout), parse.GetValue(metricsPort)));
        return command;
    }

    private static int Run(FileInfo jobFile, DirectoryInfo output, string? store, string? keyPrefix, long? seed, int ordinal, string rendezvous,
        int? threads, int timeoutSeconds, int rendezvousTimeoutSeconds, int? metricsPort) =>
        RunFailures.Guard(() =>
        {
            if (ordinal < 0)
            {
                return RunFailures.Fail(2, $"--ordinal {ordinal}: the ordinal must be >= 0");
            }

            if (timeoutSeconds < 1 || rendezvousTimeoutSeconds < 1)
            {
                return RunFailures.Fail(2, "--collective-timeout-seconds and --rendezvous-timeout-seconds must be >= 1");
            }

            var (host, port) = ParseEndpoint(rendezvous);
            var job = TwaJobLoader.Load(jobFile.FullName);
            JobKeyPrefix? prefix = null;
            if (RunStores.IsRedisUri(store))
            {
                prefix = JobKeyPrefix.Parse(keyPrefix ?? throw new FormatException("--key-prefix is required with a redis:// store (the launcher passes the run's prefix)"));
            }

            if (metricsPort is < 0 or > 65535)
            {
                return RunFailures.Fail(2, $"--metrics-port {metricsPort}: expected 0 (ephemeral) to 65535");
            }

            using var stores = RunStores.Open(store, prefix, line => Console.Error.WriteLine($"twa: worker {ordinal}: {line}"));
            var metrics = metricsPort is null ? null : new RankMetrics();
            using var server = metricsPort is int p ? MetricsServer.Start(p, metrics!) : null;
            if (server is not null)
            {
                Console.Error.WriteLine($"twa: worker {ordinal}: metrics on port {server.Port} (/metrics, /healthz, /readyz)");
            }

            LibTorch.NumThreads = threads ?? Environment.ProcessorCount;
            var worker = new ElasticWorker(job, stores.Apply(new RunOptions(output.FullName, null, seed)), ordinal, host, port,
                TimeSpan.FromSeconds(timeoutSeconds), TimeSpan.FromSeconds(rendezvousTimeoutSeconds))
            {
                GenerationFencing = stores.IsRedis, Metrics = metrics,
            };
            return worker.Run();
        }, $"worker {ordinal}: ");

    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"--rendezvous '{endpoint}': expected HOST:PORT, e.g. 127.0.0.1:29500");
        }

        return (endpoint[..colon], port);
    }
}
