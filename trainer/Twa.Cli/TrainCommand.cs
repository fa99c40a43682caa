using System.CommandLine;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Phases;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>`twa train JOB.yaml [--out DIR] [--store DIR] [--seed S] [--workers N] [--threads N]`: runs a TwaJob on
/// this machine. Exit codes: 0 success, 2 bad job file or arguments, 4 missing/malformed dataset or snapshots,
/// 5 training diverged (NaN loss), 1 anything else. Errors are one line on stderr.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var job = new Argument<FileInfo>("job") { Description = "TwaJob YAML file" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory (metrics.json, history.csv, model.safetensors, curves.svg)", DefaultValueFactory = _ => new DirectoryInfo("runs/latest") };
        var store = new Option<DirectoryInfo?>("--store") { Description = "Snapshot store directory (default OUT/snapshots)" };
        var seed = new Option<long?>("--seed") { Description = "Overrides spec.training.seed" };
        var workers = new Option<int?>("--workers") { Description = "Number of local workers (default spec.replicas)" };
        var threads = new Option<int?>("--threads") { Description = "libtorch/BLAS threads (default: all cores)" };
        var command = new Command("train", "Run a TwaJob on this machine (no cluster, no Redis)") { job, output, store, seed, workers, threads };
        command.SetAction(parse => Run(parse.GetValue(job)!, parse.GetValue(output)!, parse.GetValue(store), parse.GetValue(seed),
            parse.GetValue(workers), parse.GetValue(threads)));
        return command;
    }

    private static int Run(FileInfo jobFile, DirectoryInfo output, DirectoryInfo? store, long? seed, int? workers, int? threads)
    {
        try
        {
            var job = TwaJobLoader.Load(jobFile.FullName);
            var count = workers ?? Math.Max(job.Spec.Replicas, 1);
            if (count != 1)
            {
                Console.Error.WriteLine($"twa: error: {count} workers requested, but multi-worker training is not available yet; run with --workers 1");
                return 2;
            }

            LibTorch.NumThreads = threads ?? Environment.ProcessorCount;
            var progress = new ProgressLine();
            JobRunner.Run(job, new RunOptions(output.FullName, store?.FullName, seed, progress.Log) { Progress = progress.Report });
            return 0;
        }
        catch (JobFileException e)
        {
            return Fail(2, e.Message);
        }
        catch (Exception e) when (e is DatasetException or SnapshotNotFoundException)
        {
            return Fail(4, e.Message);
        }
        catch (TrainingDivergedException e)
        {
            return Fail(5, e.Message);
        }
        catch (Exception e) when (e is TorchException or NotSupportedException or InvalidOperationException or ArgumentException or IOException)
        {
            return Fail(1, e.Message);
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"twa: error: {message}");
        return code;
    }
}
