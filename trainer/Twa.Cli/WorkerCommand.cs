using System.CommandLine;
using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Distributed;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>
/// `twa worker`: one elastic worker (<see cref="ElasticWorker"/>), in one of two modes.
/// <list type="bullet">
/// <item>Local: `twa worker --job JOB.yaml --ordinal O --rendezvous HOST:PORT ...`, started by <see cref="LocalLauncher"/>.
/// Exit codes as <see cref="RunFailures"/> (0 also when removed by a scale-down), messages prefixed with the ordinal.</item>
/// <item>Pod: `twa worker --job /etc/twa/job/job.yaml` with the operator's env (OPERATOR.md 4.2, <see cref="PodEnvironment"/>):
/// membership from Redis, /metrics /healthz /readyz on TWA_METRICS_PORT, and the exit codes and termination message of
/// OPERATOR.md 4.4: 0 completed/removed/suspended; 3 for what a restart cannot fix (bad job file or env, missing
/// dataset or snapshots, a diverged run); 7 Redis unreachable, 1 anything else (both counted by the operator).</item>
/// </list>
/// </summary>
internal static class WorkerCommand
{
    /// <summary>The exit code of a non-retryable failure in a pod (the operator's default FailJob rule).</summary>
    public const int NonRetryable = 3;

    public static Command Create()
    {
        var job = new Option<FileInfo>("--job") { Description = "TwaJob YAML file", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Output directory (local: shared by the workers, default runs/latest; pod: default $TMPDIR/twa/NAMESPACE/JOB)" };
        var store = new Option<string?>("--store") { Description = "Local mode: snapshot store directory (default OUT/snapshots) or redis:// URI (password from TWA_REDIS_PASSWORD)" };
        var keyPrefix = new Option<string?>("--key-prefix") { Description = "Local mode: the run's Redis key prefix twa:NAMESPACE:JOB:UID: (required with a redis:// store)" };
        var seed = new Option<long?>("--seed") { Description = "Overrides spec.training.seed" };
        var ordinal = new Option<int?>("--ordinal") { Description = "Local mode: this worker's stable identity (>= 0); its rank comes from each membership generation" };
        var rendezvous = new Option<string?>("--rendezvous") { Description = "Local mode: HOST:PORT of the launcher's store holding the membership record; without it the worker runs as a pod from the TWA_* env" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Local mode: serve /metrics, /healthz and /readyz on this port (0 = ephemeral, logged); default: no server" };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads of this worker (default: OMP_NUM_THREADS, else all cores). OpenBLAS runs on 1 thread unless OPENBLAS_NUM_THREADS is set" };
        var timeout = new Option<int>("--collective-timeout-seconds") { Description = "Local mode: limit on every collective and on the wait for a generation", DefaultValueFactory = _ => 300 };
        var rendezvousTimeout = new Option<int>("--rendezvous-timeout-seconds") { Description = "Local mode: limit on the wait for every member of a generation to join", DefaultValueFactory = _ => 60 };
        var command = new Command("worker", "Run one elastic worker: a pod of a TwaJob (TWA_* env from the operator), or a local worker of `twa train --workers N`")
        {
            job, output, store, keyPrefix, seed, ordinal, rendezvous, threads, timeout, rendezvousTimeout, metricsPort,
        };
        command.SetAction(parse => parse.GetValue(rendezvous) is { } endpoint
            ? RunLocal(parse.GetValue(job)!, parse.GetValue(output), parse.GetValue(store), parse.GetValue(keyPrefix), parse.GetValue(seed),
                parse.GetValue(ordinal), endpoint, parse.GetValue(threads), parse.GetValue(timeout), parse.GetValue(rendezvousTimeout), parse.GetValue(metricsPort))
            : RunPod(parse.GetValue(job)!, parse.GetValue(output), parse.GetValue(seed), parse.GetValue(threads)));
        return command;
    }

    private static int RunLocal(FileInfo jobFile, DirectoryInfo? output, string? store, string? keyPrefix, long? seed, int? ordinalOption, string rendezvous,
        int? threads, int timeoutSeconds, int rendezvousTimeoutSeconds, int? metricsPort)
    {
        var ordinal = ordinalOption ?? -1;
        return RunFailures.Guard(() =>
        {
            if (ordinal < 0)
            {
                return RunFailures.Fail(2, ordinalOption is { } o
                    ? $"--ordinal {o.ToString(CultureInfo.InvariantCulture)}: the ordinal must be >= 0"
                    : "--ordinal is required with --rendezvous (the worker's stable identity, >= 0)");
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

            TrainingThreads.Apply(threads ?? Environment.ProcessorCount);
            ProjectionKernels.Apply();
            var timeout = TimeSpan.FromSeconds(timeoutSeconds);
            var rendezvousTimeout = TimeSpan.FromSeconds(rendezvousTimeoutSeconds);
            using var membership = new LocalWorkerMembership(host, port, timeout, rendezvousTimeout);
            var worker = new ElasticWorker(job, stores.Apply(new RunOptions((output ?? new DirectoryInfo("runs/latest")).FullName, null, seed)), ordinal,
                membership, timeout, rendezvousTimeout)
            {
                GenerationFencing = stores.IsRedis, Metrics = metrics,
            };
            worker.Run();
            return 0;
        }, $"worker {ordinal}: ");
    }

    /// <summary>Pod mode (OPERATOR.md 4.3): every outcome ends with a termination message.</summary>
    private static int RunPod(FileInfo jobFile, DirectoryInfo? output, long? seed, int? threads)
    {
        var terminationLog = Environment.GetEnvironmentVariable("TWA_TERMINATION_LOG") is { Length: > 0 } t ? t : PodEnvironment.DefaultTerminationLog;
        if (!PodEnvironment.IsPresent(Environment.GetEnvironmentVariable))
        {
            return RunFailures.Fail(2, "twa worker needs --rendezvous HOST:PORT (a local worker of `twa train --workers N`) or the TWA_* env of a worker pod (TWA_JOB_UID is not set)");
        }

        var who = "";
        try
        {
            var env = PodEnvironment.Read(Environment.GetEnvironmentVariable);
            who = $"{env.PodName}: ";
            var job = CheckJob(TwaJobLoader.Load(jobFile.FullName), env);
            var log = (string line) => Console.Error.WriteLine($"twa: {env.PodName}: {line}");
            var metrics = new RankMetrics();
            using var server = MetricsServer.Start(env.MetricsPort, metrics);
            log($"ordinal {env.Ordinal}, metrics on port {server.Port} (/metrics, /healthz, /readyz), store {env.Store} under {env.KeyPrefix}");
            TrainingThreads.Apply(threads ?? ThreadsFromEnvironment());
            ProjectionKernels.Apply();
            using var stores = RunStores.Open(env.Store, env.KeyPrefix, log);
            using var membership = new PodWorkerMembership(
                new RedisMembership(stores.Connection!, env.KeyPrefix, env.JobUid, log), env, metrics.Heartbeat);
            var outDir = output?.FullName ?? Path.Combine(Path.GetTempPath(), "twa", env.JobNamespace, env.JobName);
            var worker = new ElasticWorker(job, stores.Apply(new RunOptions(outDir, null, seed)), env.Ordinal, membership,
                env.CollectiveTimeout, env.RendezvousTimeout)
            {
                GenerationFencing = true, Metrics = metrics,
            };
            var outcome = worker.Run();
            TerminationMessage.Write(terminationLog, TerminationMessage.For(outcome));
            return 0;
        }
        catch (Exception e) when (RunFailures.Classify(e, who) is { } failure)
        {
            // What a restart cannot fix fails the job (the operator's default rule for exit code 3).
            var code = failure.Code is 2 or 4 or 5 ? NonRetryable : failure.Code;
            TerminationMessage.Write(terminationLog, TerminationMessage.Format("error", failure.Message));
            return RunFailures.Fail(code, failure.Message);
        }
    }

    /// <summary>The job file must be this pod's job (the operator's ConfigMap carries its name, namespace and UID);
    /// TWA_DEVICE replaces <c>training.device: auto</c>.</summary>
    private static V1Alpha1TwaJob CheckJob(V1Alpha1TwaJob job, PodEnvironment env)
    {
        var meta = job.Metadata;
        if ((meta.Uid is { Length: > 0 } uid && uid != env.JobUid) || (meta.Name is { Length: > 0 } name && name != env.JobName)
            || (meta.Namespace is { Length: > 0 } ns && ns != env.JobNamespace))
        {
            throw new FormatException($"the job file belongs to {meta.Namespace}/{meta.Name} (UID {meta.Uid}), not to this pod's job {env.JobNamespace}/{env.JobName} (TWA_JOB_UID {env.JobUid})");
        }

        var training = job.Spec.Training;
        if (training.Device != "auto")
        {
            return job;
        }

        if (env.Device != "cpu" && LibTorch.CudaDeviceCount == 0)
        {
            throw new FormatException($"TWA_DEVICE={env.Device}, but this trainer sees no CUDA device (a CPU-only build or no GPU in the pod)");
        }

        return job with { Spec = job.Spec with { Training = training with { Device = env.Device } } };
    }

    private static int ThreadsFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : Environment.ProcessorCount;

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
