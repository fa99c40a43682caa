using System.CommandLine;
using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Runs;

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
        var store = new Option<DirectoryInfo?>("--store") { Description = "Snapshot store directory (default OUT/snapshots)" };
        var seed = new Option<long?>("--seed") { Description = "Overrides spec.training.seed" };
        var ordinal = new Option<int>("--ordinal") { Description = "This worker's stable identity (>= 0); its rank comes from each membership generation", Required = true };
        var rendezvous = new Option<string>("--rendezvous") { Description = "HOST:PORT of the launcher's store holding the membership record", Required = true };
        var threads = new Option<int?>("--threads") { Description = "libtorch/BLAS threads of this worker (default: all cores)" };
        var timeout = new Option<int>("--collective-timeout-seconds") { Description = "Limit on every collective and on the wait for a generation", DefaultValueFactory = _ => 300 };
        var rendezvousTimeout = new Option<int>("--rendezvous-timeout-seconds") { Description = "Limit on the wait for every member of a generation to join", DefaultValueFactory = _ => 60 };
        var command = new Command("worker", "Run one elastic worker of a distributed job (started by `twa train --workers N`)")
        {
            job, output, store, seed, ordinal, rendezvous, threads, timeout, rendezvousTimeout,
        };
        command.SetAction(parse => Run(
            parse.GetValue(job)!, parse.GetValue(output)!, parse.GetValue(store), parse.GetValue(seed), parse.GetValue(ordinal),
            parse.GetValue(rendezvous)!, parse.GetValue(threads), parse.GetValue(timeout), parse.GetValue(rendezvousTimeout)));
        return command;
    }

    private static int Run(FileInfo jobFile, DirectoryInfo output, DirectoryInfo? store, long? seed, int ordinal, string rendezvous,
        int? threads, int timeoutSeconds, int rendezvousTimeoutSeconds) =>
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
            LibTorch.NumThreads = threads ?? Environment.ProcessorCount;
            var worker = new ElasticWorker(job, new RunOptions(output.FullName, store?.FullName, seed), ordinal, host, port,
                TimeSpan.FromSeconds(timeoutSeconds), TimeSpan.FromSeconds(rendezvousTimeoutSeconds));
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
