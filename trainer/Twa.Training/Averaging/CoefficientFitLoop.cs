using System.Diagnostics;
using System.Globalization;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Optim;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>The epoch loop both TWA variants share: the fit split (train = TWA-t, holdout = TWA-v), the schedule,
/// a per-epoch order distinct from base training's, forward/backward into the flat gradient, then the variant's
/// coefficient update (given the step's learning rate), progress and the end-of-epoch evaluation. When the context
/// has <see cref="PhaseContext.CommitTwaState"/> and a <see cref="PhaseContext.State"/>, the state is committed every
/// <see cref="PhaseContext.CheckpointEverySteps"/> steps and a run finding a commit resumes right after it (the
/// variant's <c>restored</c> callback rebuilds the weights from the restored coefficients); a commit of another fit
/// (another seed, model, batch size, augmentation or <c>twa</c> section: <see cref="TwaCheckpoint.IdentityOf"/>) is refused with a
/// <see cref="Stores.StateMismatchException"/> naming each differing field.</summary>
internal static class CoefficientFitLoop
{
    /// <summary>Seed offset of TWA's own draws (batch order, augmentation), distinct from base training's.</summary>
    private const ulong SeedOffset = 0x7A;

    /// <summary>Runs (or resumes) the fit; <paramref name="stepsRun"/> = the steps taken by this call (fewer than
    /// epochs × batches after a resume). A fit on the training split applies the job's augmentation
    /// (<paramref name="augment"/>; ALGORITHMS.md 1.6: the authors' TWA reads the augmented training loader), drawn
    /// with TWA's own seed; a fit on the held-out split uses the images as they are.</summary>
    public static IReadOnlyList<EpochRecord> Run(PhaseContext ctx, TwaPhaseSpec spec, AugmentSpec? augment, Tensor coefficients,
        IOptimizer optimizer, Action<double> updateCoefficients, Action restored, out long stepsRun)
    {
        var fitSet = spec.FitOn == TwaFitOn.Holdout ? ctx.Data.Holdout : ctx.Data.Train;
        var augmentation = spec.FitOn == TwaFitOn.Train && augment is not null
            ? new Augmentation(augment.RandomCropPadding, augment.HorizontalFlip, ctx.Seed + SeedOffset)
            : Augmentation.None;
        var stepsPerEpoch = new EpochSampler(fitSet.Count, ctx.BatchSize, ctx.Seed, 0).BatchCount;
        var schedule = new LearningRateSchedule(spec.Schedule, spec.Optimizer.Lr, spec.Epochs, stepsPerEpoch);
        var history = new List<EpochRecord>();
        var identity = TwaCheckpoint.IdentityOf(ctx.Seed, new ModelSpec { Arch = ctx.Model.Architecture, NumClasses = ctx.Model.NumClasses }, ctx.BatchSize,
            spec, augment, coefficients.NumElements);
        long step = 0;
        double lossSum = 0;
        long correct = 0;
        if (ctx is { CommitTwaState: true, State: { } store } && TwaCheckpoint.TryRead(ctx, store, identity, coefficients, optimizer) is { } resumed)
        {
            step = resumed.Step;
            history.AddRange(resumed.History);
            // The committed sums are over all ranks: rank 0 carries them, the others restart the epoch's sums at 0.
            (lossSum, correct) = ctx.IsLeader ? (resumed.LossSum, resumed.Correct) : (0, 0);
            restored();
            ctx.Log(string.Create(CultureInfo.InvariantCulture, $"twa: resuming after step {step} from {ctx.StateLocation}"));
        }

        var firstStep = step;
        for (var epoch = (int)(step / stepsPerEpoch); epoch < spec.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            // A TWA epoch draws its own order: the seed offset keeps it distinct from base training's epochs.
            var sampler = new EpochSampler(fitSet.Count, ctx.BatchSize, ctx.Seed + SeedOffset, epoch);
            var lr = schedule.At(step);
            for (var b = (int)(step - (long)epoch * stepsPerEpoch); b < sampler.BatchCount; b++)
            {
                lr = schedule.At(step);
                var started = Stopwatch.GetTimestamp();
                var (l, c) = BatchStep.Run(ctx, fitSet, sampler.GlobalBatch(b), augmentation, epoch, "twa", step,
                    string.Create(CultureInfo.InvariantCulture, $"TWA, epoch {epoch + 1}, step {step + 1}"));
                lossSum += l;
                correct += c;
                ctx.Progress?.Invoke("twa", epoch + 1, spec.Epochs, b + 1, sampler.BatchCount);
                updateCoefficients(lr);
                step++;
                if (b + 1 < sampler.BatchCount)
                {
                    Commit(ctx, identity, coefficients, optimizer, step, lossSum, correct, history, force: false);
                    BatchStep.Observe(ctx, "twa", started, sampler.GlobalBatch(b).Length, l);
                    ctx.AfterStep?.Invoke("twa", step);
                }
                else
                {
                    BatchStep.Observe(ctx, "twa", started, sampler.GlobalBatch(b).Length, l); // its commit follows the epoch's evaluation
                }
            }

            history.Add(ctx.FinishEpoch("twa", epoch + 1, spec.Epochs, lr, lossSum, correct, fitSet.Count, clock.Elapsed.TotalSeconds));
            (lossSum, correct) = (0, 0);
            Commit(ctx, identity, coefficients, optimizer, step, 0, 0, history, force: true);
            ctx.AfterStep?.Invoke("twa", step);
        }

        stepsRun = step - firstStep;
        return history;
    }

    private static void Commit(PhaseContext ctx, TwaCheckpoint.Identity identity, Tensor coefficients, IOptimizer optimizer, long step, double lossSum,
        long correct, List<EpochRecord> history, bool force)
    {
        if (ctx is not { CommitTwaState: true, State: { } store } || (!force && step % ctx.CheckpointEverySteps != 0))
        {
            return;
        }

        var sums = ctx.Ranks.SumScalars(lossSum, correct);
        if (ctx.IsLeader)
        {
            TwaCheckpoint.Write(ctx, store, identity, coefficients, optimizer,
                new TwaCheckpoint.Position(step, sums[0], (long)Math.Round(sums[1]), history.ToArray()));
            ctx.Observer?.StateCommitted(TwaCheckpoint.Slot);
        }
    }
}
