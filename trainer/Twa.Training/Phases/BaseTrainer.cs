using System.Diagnostics;
using System.Globalization;
using Twa.Torch;
using Twa.Training.Stores;
using Twa.Training.Averaging;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Optim;

namespace Twa.Training.Phases;

/// <summary>
/// Ordinary training that saves snapshots to the store: snapshot 0 = the initial weights (before any step), then
/// one every <c>snapshotEvery.epochs</c> epochs (index = epochs done) or every <c>snapshotEvery.steps</c> steps
/// (index = steps done / N). State (weights, BN buffers, optimizer moments, epoch, step, history) is committed after
/// every epoch to the context's <see cref="PhaseContext.State"/> (slot "base"), and a run finding a commit there
/// resumes after the last committed epoch.
/// Optionally keeps an EMA of the weights (decay per step, copied at the first update as AveragedModel).
/// Data-parallel over <see cref="PhaseContext.Ranks"/>: every rank runs its slice of each global batch, the weighted
/// gradients are all-reduced in buckets and every rank takes the same optimizer step; rank 0 alone writes snapshots
/// and the committed state, and all ranks meet at a barrier at the end so the snapshots exist before TWA reads them.
/// </summary>
public sealed class BaseTrainer(PhaseContext context, BasePhaseSpec spec, DataSpec dataSpec, double? emaDecay = null)
{
    /// <summary>The state store slot of base training's commits.</summary>
    public const string Slot = "base";

    private readonly ExponentialMovingAverage? _ema = emaDecay is double d ? new ExponentialMovingAverage(d) : null;

    /// <summary>EMA weights after <see cref="Run"/> when an EMA decay was given (owned by the caller).</summary>
    public Tensor? Ema => _ema?.Average;

    public IReadOnlyList<EpochRecord> Run()
    {
        var ctx = context;
        var model = ctx.Model;
        var flat = model.Parameters.Flat;
        var train = ctx.Data.Train;
        using var optimizer = OptimizerFactory.Create(spec.Optimizer);
        var stepsPerEpoch = new EpochSampler(train.Count, ctx.BatchSize, ctx.Seed, 0).BatchCount;
        var schedule = new LearningRateSchedule(spec.Schedule, spec.Optimizer.Lr, spec.Epochs, stepsPerEpoch);
        var augmentation = new Augmentation(dataSpec.Augment.RandomCropPadding, dataSpec.Augment.HorizontalFlip, ctx.Seed);
        var history = new List<EpochRecord>();
        var firstEpoch = Resume(optimizer, history);
        long step = (long)firstEpoch * stepsPerEpoch;
        if (firstEpoch == 0)
        {
            Snapshot(0, 0, 0);
        }
        else
        {
            ctx.Log($"base: resuming after epoch {firstEpoch} from {ctx.StateLocation}");
        }

        for (var epoch = firstEpoch; epoch < spec.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var sampler = new EpochSampler(train.Count, ctx.BatchSize, ctx.Seed, epoch);
            double lossSum = 0;
            long correct = 0;
            var lr = schedule.At(step);
            for (var b = 0; b < sampler.BatchCount; b++, step++)
            {
                lr = schedule.At(step);
                var started = Stopwatch.GetTimestamp();
                var (l, c) = BatchStep.Run(ctx, train, sampler.GlobalBatch(b), augmentation, epoch,
                    string.Create(CultureInfo.InvariantCulture, $"base training, epoch {epoch + 1}, step {step + 1}"));
                lossSum += l;
                correct += c;
                ctx.Progress?.Invoke("base", epoch + 1, spec.Epochs, b + 1, sampler.BatchCount);
                ctx.Ranks.AllReduceBucketed(model.Parameters.FlatGrad);
                optimizer.Update(flat, model.Parameters.FlatGrad, lr);
                _ema?.Update(flat);
                if (spec.SnapshotEvery.Steps is int every && (step + 1) % every == 0)
                {
                    Snapshot((int)((step + 1) / every), epoch, step + 1);
                }

                BatchStep.Observe(ctx, "base", started, sampler.GlobalBatch(b).Length, l);

                if (b + 1 < sampler.BatchCount)
                {
                    ctx.AfterStep?.Invoke("base", step + 1);
                }
            }

            if (spec.SnapshotEvery.Epochs is int perEpochs && (epoch + 1) % perEpochs == 0)
            {
                Snapshot((epoch + 1) / perEpochs, epoch + 1, step);
            }

            history.Add(ctx.FinishEpoch("base", epoch + 1, spec.Epochs, lr, lossSum, correct, train.Count, clock.Elapsed.TotalSeconds));
            Commit(optimizer, epoch + 1, step, history);
            ctx.AfterStep?.Invoke("base", step);
        }

        ctx.Ranks.Barrier();
        return history;
    }

    private void Snapshot(int index, int epoch, long step)
    {
        if (!context.IsLeader)
        {
            return;
        }

        var metadata = new Dictionary<string, string>
        {
            ["arch"] = context.Model.Architecture,
            ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
        };
        context.Store.Save(index, context.Model.Parameters.Flat, context.Model.Buffers, metadata);
    }

    private void Commit(IOptimizer optimizer, int epochsDone, long step, IEnumerable<EpochRecord> history)
    {
        if (!context.IsLeader || context.State is not { } store)
        {
            return;
        }

        var tensors = new List<(string, Tensor)> { (CommittedState.ParametersName, context.Model.Parameters.Flat) };
        tensors.AddRange(context.Model.Buffers.Select(b => (CommittedState.BufferPrefix + b.Name, b.Tensor)));
        tensors.AddRange(optimizer.State.Select(kv => (CommittedState.OptimizerPrefix + kv.Key, kv.Value)));
        if (Ema is not null)
        {
            tensors.Add(("ema", Ema));
        }

        store.Commit(Slot, new CommittedState
        {
            Generation = context.Generation,
            Step = step,
            Epoch = epochsDone,
            Tensors = tensors,
            Metadata = new Dictionary<string, string>
            {
                ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
                ["arch"] = context.Model.Architecture,
                ["history"] = HistoryJson.Write(history),
            },
        });
        context.Observer?.StateCommitted(Slot);
    }

    /// <summary>Restores the last committed state and its history rows; returns the number of epochs already done (0 = fresh start).</summary>
    private int Resume(IOptimizer optimizer, List<EpochRecord> history)
    {
        using var content = context.State?.ReadLatest(Slot);
        if (content is null)
        {
            return 0;
        }

        if (content.Metadata.GetValueOrDefault("arch") != context.Model.Architecture)
        {
            throw new InvalidOperationException($"{context.StateLocation} holds base-training state of a '{content.Metadata.GetValueOrDefault("arch")}' model, not '{context.Model.Architecture}'; use another --out directory or store");
        }

        using var noGrad = Autograd.NoGrad();
        context.Model.Parameters.Flat.CopyFrom(content[CommittedState.ParametersName]);
        foreach (var (name, tensor) in context.Model.Buffers)
        {
            tensor.CopyFrom(content[CommittedState.BufferPrefix + name]);
        }

        var state = content.Tensors.Where(t => t.Name.StartsWith(CommittedState.OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name[CommittedState.OptimizerPrefix.Length..], t => t.Tensor);
        optimizer.Restore(state, long.Parse(content.Metadata["optimizer_steps"], CultureInfo.InvariantCulture));
        if (content.Contains("ema"))
        {
            _ema?.Restore(content["ema"]);
        }

        history.AddRange(HistoryJson.Read(content.Metadata.GetValueOrDefault("history")));
        return content.Epoch;
    }
}
