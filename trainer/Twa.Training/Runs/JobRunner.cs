using System.Diagnostics;
using System.Globalization;
using Twa.Torch;
using Twa.Torch.Serialization;
using Twa.Training.Averaging;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Models;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Training.Runs;

/// <summary>Runs a TwaJob on this machine: base training (with snapshots), the SWA/EMA baselines and TWA, then writes
/// the outputs. A failing run leaves no metrics.json (the success marker). With K ranks (<see cref="RunOptions.Ranks"/>)
/// every rank runs this with the same job: training is data-parallel and TWA column-sharded; rank 0 alone evaluates,
/// runs the baselines and writes the outputs; every rank writes OUT/ranks/rank-R.json (its columns, basis bytes and
/// bytes sent).</summary>
public static class JobRunner
{
    public static RunResult Run(V1Alpha1TwaJob job, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var log = options.Log ?? (_ => { });
        var ranks = options.Ranks;
        var leader = ranks.Rank == 0;
        var t = job.Spec.Training;
        var seed = options.Seed ?? t.Seed;
        Directory.CreateDirectory(options.OutputDirectory);
        if (leader)
        {
            File.Delete(Path.Combine(options.OutputDirectory, RunOutputs.MetricsFile)); // a stale marker must not survive a failed rerun
        }

        var device = t.Device == "auto" ? (LibTorch.CudaDeviceCount > 0 ? Device.Cuda(0) : Device.Cpu) : Device.Parse(t.Device);
        options.Observer?.DeviceSelected(device);
        var data = DatasetCatalog.Load(t.Data, t.Model.NumClasses, (ulong)seed);
        var train = data.Train;
        using var model = ModelFactory.Create(t.Model.Arch, [train.Channels, train.Height, train.Width], t.Model.NumClasses, device: device);
        using (var init = new Generator((ulong)seed))
        {
            model.Initialize(init);
        }

        model.DropoutGenerator = new Generator((ulong)seed + 1, device);
        var store = options.Snapshots ?? new LocalSnapshotStore(options.StoreDirectory ?? Path.Combine(options.OutputDirectory, "snapshots"));
        var stateDirectory = Path.Combine(options.OutputDirectory, "state");
        var ctx = new PhaseContext(model, data, t.Data.BatchSize, (ulong)seed, store, log)
        {
            Progress = options.Progress,
            Ranks = ranks,
            State = options.State ?? new LocalStateStore(stateDirectory),
            StateLocation = options.State is null ? stateDirectory : options.StateLocation ?? "the state store",
            CommitTwaState = options.CommitTwaState,
            Generation = options.Generation,
            Observer = options.Observer,
            CheckpointEverySteps = t.CheckpointEverySteps,
            AfterStep = options.AfterStep,
        };
        // On the CPU the thread counts decide the speed (libtorch's pool and OpenBLAS's own: see TrainingThreads in the CLI),
        // and the projection kernels' instruction set the last bits of centred TWA (ProjectionKernels in the CLI).
        var where = device.Type != DeviceType.Cpu ? device.ToString()
            : $"{device} ({LibTorch.NumThreads} threads{(LibTorch.BlasThreads is int blas ? $", OpenBLAS {blas}" : "")}, projection {PackedProjection.NameOf(PackedProjection.Isa)})";
        log(string.Create(CultureInfo.InvariantCulture,
            $"job {job.Metadata.Name}: {t.Model.Arch} ({model.Parameters.NumElements:N0} parameters) on {where}, {train.Count:N0} training / {data.Holdout.Count:N0} held-out / {data.Test.Count:N0} test images, seed {seed}{(ranks.IsSingle ? "" : $", {ranks.Size} worker(s)")}"));
        var result = new RunResult
        {
            JobName = job.Metadata.Name, Seed = seed, Device = device.ToString(), Parameters = model.Parameters.NumElements, Workers = ranks.Size,
        };

        Tensor? ema = null;
        try
        {
            if (t.Base is { } baseSpec)
            {
                var clock = Stopwatch.StartNew();
                var trainer = new BaseTrainer(ctx, baseSpec, t.Data, t.Baselines.Contains(BaselineName.Ema) ? 0.999 : null);
                try
                {
                    result.History.AddRange(trainer.Run());
                }
                finally
                {
                    ema = trainer.Ema; // ours to dispose, also when training threw
                }

                result.BaseSeconds = clock.Elapsed.TotalSeconds;
                result.BaseEpochs = baseSpec.Epochs;
                // Every rank evaluates (rank 0 reports): no rank waits inside a collective while another works alone.
                var baseTest = Evaluator.Evaluate(model, data.Test, data.Mean, data.Std);
                result.BaseTest = leader ? baseTest : null;
            }

            if (t.Twa is { } twaSpec)
            {
                var snapshots = twaSpec.Snapshots.Indices().ToArray();
                if (t.Baselines.Contains(BaselineName.Swa))
                {
                    var swa = SwaBaseline.Evaluate(ctx, snapshots); // column-sharded: every rank takes part
                    result.Swa = leader ? swa : null;
                    if (leader)
                    {
                        log(string.Create(CultureInfo.InvariantCulture, $"swa   snapshots {snapshots[0]}..{snapshots[^1]}: test acc {swa.Accuracy:P2}"));
                    }
                }

                if (ema is not null)
                {
                    using (Autograd.NoGrad())
                    {
                        model.Parameters.Flat.CopyFrom(ema);
                    }

                    Evaluator.RefreshBatchNorm(model, data.Train, data.Mean, data.Std, BatchStep.RefreshDropoutSeed(ctx));
                    var emaTest = Evaluator.Evaluate(model, data.Test, data.Mean, data.Std);
                    result.Ema = leader ? emaTest : null;
                    if (leader)
                    {
                        log(string.Create(CultureInfo.InvariantCulture, $"ema   decay 0.999: test acc {emaTest.Accuracy:P2}"));
                    }
                }

                var clock = Stopwatch.StartNew();
                result.Twa = twaSpec.Variant == TwaVariant.Centered ? new CenteredTwa(ctx, twaSpec, t.Data.Augment).Run() : new SchmidtTwa(ctx, twaSpec, t.Data.Augment).Run();
                result.History.AddRange(result.Twa.History);
                result.TwaSeconds = clock.Elapsed.TotalSeconds;
                result.BasisBytesTotal = (long)ranks.SumScalars(result.Twa.BasisBytes ?? 0)[0];
                var twaTest = Evaluator.Evaluate(model, data.Test, data.Mean, data.Std);
                result.TwaTest = leader ? twaTest : null;
            }
        }
        finally
        {
            ema?.Dispose();
        }

        if (!ranks.IsSingle)
        {
            RankReport.Write(options.OutputDirectory, ranks, model.Parameters.NumElements, result);
        }

        if (!leader)
        {
            return result;
        }

        var weights = model.Parameters.NamedParameters.Concat(model.Buffers).ToList();
        SafetensorsFile.Write(Path.Combine(options.OutputDirectory, "model.safetensors"), weights,
            new Dictionary<string, string> { ["arch"] = t.Model.Arch, ["job"] = job.Metadata.Name });
        RunOutputs.Write(options.OutputDirectory, job, result);
        log(string.Create(CultureInfo.InvariantCulture, $"final test accuracy {result.Final.Accuracy:P2} (loss {result.Final.Loss:F4}); outputs in {options.OutputDirectory}"));
        return result;
    }
}
