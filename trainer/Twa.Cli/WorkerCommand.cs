using System.CommandLine;
using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;
using Twa.Training.Runs;

namespace Twa.Cli;

/// <summary>
/// `twa worker --job JOB.yaml --rank R --world-size K --rendezvous HOST:PORT [--generation G] ...`: one rank of a
/// distributed run. It joins the Gloo group of generation G through the TCPStore at HOST:PORT (keys under
/// <c>gen-G/</c>, so a later generation never sees this one's keys), then runs the job as rank R of K: rank 0 logs and
/// writes the outputs, the others print only a failure. Started by <see cref="LocalLauncher"/>. Exit codes as
/// <see cref="RunFailures"/>, the message prefixed with the rank.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var job = new Option<FileInfo>("--job") { Description = "TwaJob YAML file", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory shared by the ranks", DefaultValueFactory = _ => new DirectoryInfo("runs/latest") };
        var store = new Option<DirectoryInfo?>("--store") { Description = "Snapshot store directory (default OUT/snapshots)" };
        var seed = new Option<long?>("--seed") { Description = "Overrides spec.training.seed" };
        var rank = new Option<int>("--rank") { Description = "This process's rank, in [0, world size)", Required = true };
        var worldSize = new Option<int>("--world-size") { Description = "Number of ranks", Required = true };
        var rendezvous = new Option<string>("--rendezvous") { Description = "HOST:PORT of the TCPStore the ranks meet at", Required = true };
        var generation = new Option<int>("--generation") { Description = "Membership generation (store key prefix)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "libtorch/BLAS threads of this rank (default: cores / world size)" };
        var timeout = new Option<int>("--collective-timeout-seconds") { Description = "Limit on every collective and on the rendezvous", DefaultValueFactory = _ => 300 };
        var command = new Command("worker", "Run one rank of a distributed job (started by `twa train --workers N`)")
        {
            job, output, store, seed, rank, worldSize, rendezvous, generation, threads, timeout,
        };
        command.SetAction(parse => Run(
            parse.GetValue(job)!, parse.GetValue(output)!, parse.GetValue(store), parse.GetValue(seed), parse.GetValue(rank),
            parse.GetValue(worldSize), parse.GetValue(rendezvous)!, parse.GetValue(generation), parse.GetValue(threads), parse.GetValue(timeout)));
        return command;
    }

    private static int Run(FileInfo jobFile, DirectoryInfo output, DirectoryInfo? store, long? seed, int rank, int worldSize,
        string rendezvous, int generation, int? threads, int timeoutSeconds) =>
        RunFailures.Guard(() =>
        {
            if (worldSize < 1 || rank < 0 || rank >= worldSize)
            {
                return RunFailures.Fail(2, $"--rank {rank} --world-size {worldSize}: the rank must be in [0, world size)");
            }

            var (host, port) = ParseEndpoint(rendezvous);
            var job = TwaJobLoader.Load(jobFile.FullName);
            LibTorch.NumThreads = threads ?? Math.Max(1, Environment.ProcessorCount / worldSize);
            var timeout = TimeSpan.FromSeconds(timeoutSeconds);
            using var client = new TcpStore(host, port, isServer: false, worldSize, timeout);
            using var view = client.WithPrefix(string.Create(CultureInfo.InvariantCulture, $"gen-{generation}"));
            using var group = ProcessGroup.Create(view, rank, worldSize, Backend.Gloo, timeout, host);
            var progress = new ProgressLine();
            var options = new RunOptions(output.FullName, store?.FullName, seed, rank == 0 ? progress.Log : null)
            {
                Progress = rank == 0 ? progress.Report : null,
                Ranks = RankGroup.Of(group),
            };
            JobRunner.Run(job, options);
            return 0;
        }, $"rank {rank}: ");

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
