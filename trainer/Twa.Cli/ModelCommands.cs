using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Models;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>`twa eval`, `twa export` and `twa import`: move weights between our snapshot store and PyTorch
/// state_dict safetensors files, and evaluate a weights file on the job's test set.</summary>
internal static class ModelCommands
{
    public static IEnumerable<Command> Create()
    {
        var job = new Argument<FileInfo>("job") { Description = "TwaJob YAML (model and data)" };
        var store = new Option<DirectoryInfo>("--store") { Description = "Snapshot store directory", DefaultValueFactory = _ => new DirectoryInfo("runs/latest/snapshots") };
        var snapshot = new Option<int>("--snapshot") { Description = "Snapshot index", Required = true };

        var weights = new Option<FileInfo>("--weights") { Description = "state_dict safetensors file", Required = true };
        var eval = new Command("eval", "Evaluate a weights file (state_dict safetensors) on the job's test set; prints JSON") { job, weights };
        eval.SetAction(p => Guard(() => Eval(p.GetValue(job)!, p.GetValue(weights)!)));

        var to = new Option<FileInfo>("--to") { Description = "Output safetensors file", Required = true };
        var export = new Command("export", "Write a snapshot as a PyTorch state_dict safetensors file") { job, store, snapshot, to };
        export.SetAction(p => Guard(() => Export(p.GetValue(job)!, p.GetValue(store)!, p.GetValue(snapshot), p.GetValue(to)!)));

        var from = new Option<FileInfo>("--from") { Description = "A PyTorch state_dict safetensors file", Required = true };
        var import = new Command("import", "Store a PyTorch state_dict safetensors file as a snapshot (e.g. to fit TWA on PyTorch snapshots)") { job, store, snapshot, from };
        import.SetAction(p => Guard(() => Import(p.GetValue(job)!, p.GetValue(store)!, p.GetValue(snapshot), p.GetValue(from)!)));
        return [eval, export, import];
    }

    private static Model CreateModel(V1Alpha1TwaJob job, ImageSet sample) =>
        ModelFactory.Create(job.Spec.Training.Model.Arch, [sample.Channels, sample.Height, sample.Width], job.Spec.Training.Model.NumClasses);

    private static int Eval(FileInfo jobFile, FileInfo weights)
    {
        var job = TwaJobLoader.Load(jobFile.FullName);
        var t = job.Spec.Training;
        var data = DatasetCatalog.Load(t.Data, t.Model.NumClasses, (ulong)t.Seed);
        using var model = CreateModel(job, data.Train);
        StateDict.Load(model, weights.FullName);
        var result = Evaluator.Evaluate(model, data.Test, data.Mean, data.Std);
        Console.WriteLine(new JsonObject { ["test_accuracy"] = result.Accuracy, ["test_loss"] = result.Loss, ["samples"] = result.Samples }.ToJsonString());
        return 0;
    }

    private static int Export(FileInfo jobFile, DirectoryInfo storeDir, int index, FileInfo to)
    {
        var job = TwaJobLoader.Load(jobFile.FullName);
        using var model = ModelFor(job);
        var store = new LocalSnapshotStore(storeDir.FullName);
        using (var scope = new TensorScope())
        using (Autograd.NoGrad())
        {
            var d = model.Parameters.NumElements;
            if (store.ParameterCount(index) != d)
            {
                throw new InvalidDataException($"snapshot {index} has {store.ParameterCount(index)} parameters but {model.Architecture} has {d}");
            }

            store.ReadColumnsInto(index, 0, model.Parameters.Flat);
            foreach (var ((_, target), (_, saved)) in model.Buffers.Zip(store.ReadBuffers(index)))
            {
                target.CopyFrom(saved);
            }
        }

        StateDict.Save(model, to.FullName, new Dictionary<string, string> { ["arch"] = model.Architecture, ["snapshot"] = index.ToString(CultureInfo.InvariantCulture) });
        Console.Error.WriteLine($"twa: snapshot {index} of {storeDir.FullName} written to {to.FullName}");
        return 0;
    }

    private static int Import(FileInfo jobFile, DirectoryInfo storeDir, int index, FileInfo from)
    {
        var job = TwaJobLoader.Load(jobFile.FullName);
        using var model = ModelFor(job);
        StateDict.Load(model, from.FullName);
        new LocalSnapshotStore(storeDir.FullName).Save(index, model.Parameters.Flat, model.Buffers,
            new Dictionary<string, string> { ["arch"] = model.Architecture, ["imported_from"] = from.FullName });
        Console.Error.WriteLine($"twa: {from.FullName} stored as snapshot {index} in {storeDir.FullName}");
        return 0;
    }

    /// <summary>The job's model for its data's image shape (read from the test files' headers only).</summary>
    private static Model ModelFor(V1Alpha1TwaJob job)
    {
        var t = job.Spec.Training;
        var shape = t.Data.Format == DataFormat.Cifar ? new long[] { 3, 32, 32 } : ProbeIdxShape(t.Data.Path);
        return ModelFactory.Create(t.Model.Arch, shape, t.Model.NumClasses);
    }

    private static long[] ProbeIdxShape(string directory)
    {
        var test = DatasetCatalog.LoadIdx(directory, "t10k", int.MaxValue);
        return [test.Channels, test.Height, test.Width];
    }

    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (JobFileException e)
        {
            return Fail(2, e.Message);
        }
        catch (Exception e) when (e is DatasetException or SnapshotNotFoundException or InvalidDataException or IOException
                                       or TorchException or ArgumentException)
        {
            return Fail(e is JobFileException ? 2 : 4, e.Message);
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"twa: error: {message}");
        return code;
    }
}
