using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Twa.Torch;
using Twa.Training.Stores;
using Twa.Training.Averaging;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Jobs.Operator;
using Twa.Training.Optim;

namespace Twa.Training.Phases;

/// <summary>
/// Ordinary training that saves snapshots to the store: snapshot 0 = the initial weights (before any step), then
/// one every <c>snapshotEvery.epochs</c> epochs (index = epochs done) or every <c>snapshotEvery.steps</c> steps
/// (index = steps done / N). The state (weights, BN buffers, optimizer moments, EMA, step, data position, the epoch's
/// partial loss/accuracy sums and seconds, dropout RNG, history) is committed to the context's
/// <see cref="PhaseContext.State"/> (slot "base") after every <c>base.checkpointEverySteps</c>-th step and after every
/// epoch; a run finding a commit there resumes right after it: the epoch's seeded order is drawn again and continued
/// at the committed batch (augmentation is drawn per (seed, epoch, sample)), so on one rank the resumed run ends
/// bitwise identical to the uninterrupted one. Every commit carries the job's fingerprint (<see cref="JobKey"/>: the
/// seed, model, data and base-training fields that decide the trajectory); a commit of another job is refused with a
/// <see cref="StateMismatchException"/> naming each differing field, a damaged one with a
/// <see cref="StoreCorruptException"/>.
/// Optionally keeps an EMA of the weights (decay per step, copied at the first update as AveragedModel).
/// Data-parallel over <see cref="PhaseContext.Ranks"/>: every rank runs its slice of each global batch, the weighted
/// gradients are all-reduced in buckets and every rank takes the same optimizer step; rank 0 alone writes snapshots
/// and the committed state (partial sums are summed over the ranks first), and all ranks meet at a barrier at the end
/// so the snapshots exist before TWA reads them.
/// </summary>
public sealed class BaseTrainer(PhaseContext context, BasePhaseSpec spec, DataSpec dataSpec, double? emaDecay = null)
{
    /// <summary>The state store slot of base training's commits.</summary>
    public const string Slot = "base";

    /// <summary>The commit metadata key of the job fingerprint: canonical JSON, in the job file's spelling (camelCase keys
    /// in ordinal order, enums as in YAML), of what decides base training's trajectory: <c>seed</c> (the run's, after
    /// --seed), <c>model</c>, <c>data</c> without its <c>path</c> (the same data may be mounted elsewhere), <c>base</c>
    /// without <c>checkpointEverySteps</c> (how often the state is committed, not what it is) and <c>emaDecay</c> (null
    /// = no EMA). The device, threads and number of ranks are not part of it: a resized or moved run resumes. Commits made
    /// before the key existed are resumed without the check.</summary>
    public const string JobKey = JobFingerprint.Key;

    /// <summary>The fingerprint's field for the EMA decay, shown as the <c>baselines</c> entry that turns it on.</summary>
    private const string EmaDecayField = "emaDecay";

    /// <summary>How a mismatch names the fingerprint fields that are not spelled <c>spec.training.PATH</c>.</summary>
    private static readonly Dictionary<string, string> s_fieldLabels = new(StringComparer.Ordinal)
    {
        [EmaDecayField] = "spec.training.baselines (ema decay)",
    };

    private readonly ExponentialMovingAverage? _ema = emaDecay is double d ? new ExponentialMovingAverage(d) : null;

    private JobFingerprint? _fingerprint;

    /// <summary>EMA weights after <see cref="Run"/> when an EMA decay was given, also after <see cref="Run"/> threw (null
    /// before the first step); owned by the caller.</summary>
    public Tensor? Ema => _ema?.Average;

    /// <summary>This job's fingerprint (<see cref="JobKey"/>).</summary>
    private JobFingerprint Fingerprint => _fingerprint ??= new JobFingerprint(BuildFingerprint(),
        FingerprintOf(new ModelSpec(), new DataSpec(), new BasePhaseSpec(), 0, null), s_fieldLabels);

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
        var at = Resume(optimizer, history, stepsPerEpoch);
        long step = at.Step;
        if (step == 0)
        {
            Snapshot(0, 0, 0);
        }
        else
        {
            ctx.Log(at.Batch == 0
                ? string.Create(CultureInfo.InvariantCulture, $"base: resuming after epoch {at.Epoch} from {ctx.StateLocation}")
                : string.Create(CultureInfo.InvariantCulture,
                    $"base: resuming after step {step} (epoch {at.Epoch + 1}, batch {at.Batch} of {stepsPerEpoch}) from {ctx.StateLocation}"));
        }

        for (var epoch = at.Epoch; epoch < spec.Epochs; epoch++)
        {
            var resumed = epoch == at.Epoch;
            var secondsBefore = resumed ? at.Seconds : 0;
            var clock = Stopwatch.StartNew();
            var sampler = new EpochSampler(train.Count, ctx.BatchSize, ctx.Seed, epoch);
            // The epoch's sums carried by a mid-epoch commit are over all ranks: rank 0 carries them, the others restart at 0.
            var (lossSum, correct) = resumed && ctx.IsLeader ? (at.LossSum, at.Correct) : (0.0, 0L);
            var lr = schedule.At(step);
            for (var b = resumed ? at.Batch : 0; b < sampler.BatchCount; b++, step++)
            {
                lr = schedule.At(step);
                var started = Stopwatch.GetTimestamp();
                var (l, c) = BatchStep.Run(ctx, train, sampler.GlobalBatch(b), augmentation, epoch, "base", step,
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

                if (b + 1 < sampler.BatchCount)
                {
                    if (spec.CheckpointEverySteps > 0 && (step + 1) % spec.CheckpointEverySteps == 0)
                    {
                        Commit(optimizer, new Position(epoch, b + 1, step + 1, lossSum, correct, secondsBefore + clock.Elapsed.TotalSeconds), stepsPerEpoch, history);
                    }

                    BatchStep.Observe(ctx, "base", started, sampler.GlobalBatch(b).Length, l);
                    ctx.AfterStep?.Invoke("base", step + 1);
                }
                else
                {
                    BatchStep.Observe(ctx, "base", started, sampler.GlobalBatch(b).Length, l); // its commit follows the epoch's evaluation
                }
            }

            if (spec.SnapshotEvery.Epochs is int perEpochs && (epoch + 1) % perEpochs == 0)
            {
                Snapshot((epoch + 1) / perEpochs, epoch + 1, step);
            }

            history.Add(ctx.FinishEpoch("base", epoch + 1, spec.Epochs, lr, lossSum, correct, train.Count, secondsBefore + clock.Elapsed.TotalSeconds));
            Commit(optimizer, new Position(epoch + 1, 0, step, 0, 0, 0), stepsPerEpoch, history);
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

    /// <summary>Commits the state at <paramref name="at"/> (rank 0 writes; with a mid-epoch position every rank takes
    /// part in summing the epoch's partial loss and correct counts).</summary>
    private void Commit(IOptimizer optimizer, Position at, int stepsPerEpoch, IEnumerable<EpochRecord> history)
    {
        if (context.State is not { } store)
        {
            return;
        }

        var (lossSum, correct) = (at.LossSum, at.Correct);
        if (at.Batch > 0 && !context.Ranks.IsSingle)
        {
            var sums = context.Ranks.SumScalars(lossSum, correct);
            (lossSum, correct) = (sums[0], (long)Math.Round(sums[1]));
        }

        if (!context.IsLeader)
        {
            return;
        }

        var tensors = new List<(string, Tensor)> { (CommittedState.ParametersName, context.Model.Parameters.Flat) };
        tensors.AddRange(CommittedModel.Buffers(context.Model));
        tensors.AddRange(optimizer.State.Select(kv => (CommittedState.OptimizerPrefix + kv.Key, kv.Value)));
        if (Ema is not null)
        {
            tensors.Add(("ema", Ema));
        }

        store.Commit(Slot, new CommittedState
        {
            Generation = context.Generation,
            Step = at.Step,
            Epoch = at.Epoch,
            Batch = at.Batch,
            RngState = CommittedModel.RngState(context.Model),
            Tensors = tensors,
            Metadata = new Dictionary<string, string>
            {
                ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
                ["arch"] = context.Model.Architecture,
                [JobKey] = Fingerprint.Json,
                ["history"] = HistoryJson.Write(history),
                ["loss_sum"] = lossSum.ToString("R", CultureInfo.InvariantCulture),
                ["correct"] = correct.ToString(CultureInfo.InvariantCulture),
                ["epoch_seconds"] = at.Seconds.ToString("R", CultureInfo.InvariantCulture),
                ["steps_per_epoch"] = stepsPerEpoch.ToString(CultureInfo.InvariantCulture),
            },
        });
        context.Observer?.StateCommitted(Slot);
    }

    /// <summary>Restores the last committed state and its history rows; returns where to continue (all zero = fresh
    /// start). A commit of another job throws <see cref="StateMismatchException"/>, one lacking a tensor or key
    /// <see cref="StoreCorruptException"/>; both before anything is restored.</summary>
    private Position Resume(IOptimizer optimizer, List<EpochRecord> history, int stepsPerEpoch)
    {
        using var content = context.State?.ReadLatest(Slot);
        if (content is null)
        {
            return new Position(0, 0, 0, 0, 0, 0);
        }

        var where = context.StateLocation;
        Fingerprint.Check(content, where, "base-training state");
        if (content.Metadata.GetValueOrDefault("arch") != context.Model.Architecture)
        {
            throw new StateMismatchException($"{where} holds base-training state of a '{content.Metadata.GetValueOrDefault("arch")}' model, not '{context.Model.Architecture}'; use another --out directory or store, or delete {where}");
        }

        var committedPerEpoch = (int)Number(content, "steps_per_epoch", stepsPerEpoch);
        if (committedPerEpoch != stepsPerEpoch || content.Batch >= stepsPerEpoch || content.Step != (long)content.Epoch * stepsPerEpoch + content.Batch)
        {
            throw new StateMismatchException(string.Create(CultureInfo.InvariantCulture,
                $"{where} holds base-training state at step {content.Step} (epoch {content.Epoch}, batch {content.Batch} of {committedPerEpoch} steps per epoch), which does not fit this job's {stepsPerEpoch} steps per epoch (another dataset or batch size); use another --out directory or store, or delete {where}"));
        }

        var optimizerSteps = content.MetadataValue("optimizer_steps") is var steps
            && long.TryParse(steps, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new StoreCorruptException(content.Location, $"metadata 'optimizer_steps' = '{steps}' is not an integer; delete the state to start over", null);
        var parameters = content[CommittedState.ParametersName];
        var ema = _ema is not null && content.Contains("ema") ? content["ema"] : null;
        var at = new Position(content.Epoch, content.Batch, content.Step,
            Number(content, "loss_sum", 0), (long)Number(content, "correct", 0), Number(content, "epoch_seconds", 0));
        using (Autograd.NoGrad())
        {
            context.Model.Parameters.Flat.CopyFrom(parameters);
        }

        CommittedModel.Restore(context.Model, content);
        var state = content.Tensors.Where(t => t.Name.StartsWith(CommittedState.OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name[CommittedState.OptimizerPrefix.Length..], t => t.Tensor);
        optimizer.Restore(state, optimizerSteps);
        if (ema is not null)
        {
            _ema!.Restore(ema);
        }

        history.AddRange(HistoryJson.Read(content.Metadata.GetValueOrDefault("history")));
        return at;
    }

    /// <summary>A metadata number of a commit; <paramref name="absent"/> for commits made (after an epoch) before the key
    /// existed; a value that is not a number is a <see cref="StoreCorruptException"/>.</summary>
    private static double Number(CommittedState content, string key, double absent) =>
        !content.Metadata.TryGetValue(key, out var value) ? absent
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number
        : throw new StoreCorruptException(content.Location, $"metadata '{key}' = '{value}' is not a number; delete the state to start over", null);

    /// <summary>The fingerprint of this job (<see cref="JobKey"/>) as a JSON object.</summary>
    private JsonObject BuildFingerprint() => FingerprintOf(
        new ModelSpec { Arch = context.Model.Architecture, NumClasses = context.Model.NumClasses }, dataSpec, spec, context.Seed, emaDecay);

    private static JsonObject FingerprintOf(ModelSpec model, DataSpec data, BasePhaseSpec phase, ulong seed, double? ema)
    {
        var dataJson = TwaJobJson.ToJson(data)!.AsObject();
        dataJson.Remove("path");
        var phaseJson = TwaJobJson.ToJson(phase)!.AsObject();
        phaseJson.Remove("checkpointEverySteps");
        return new JsonObject
        {
            ["seed"] = (long)seed,
            ["model"] = TwaJobJson.ToJson(model),
            ["data"] = dataJson,
            ["base"] = phaseJson,
            [EmaDecayField] = ema,
        };
    }

    /// <summary>Where a commit stands: the epoch in progress (0-based), the batches of it done, the global step, the
    /// epoch's loss/correct sums so far (over all ranks) and its seconds so far.</summary>
    private readonly record struct Position(int Epoch, int Batch, long Step, double LossSum, long Correct, double Seconds);
}
