using System.Diagnostics;
using System.Globalization;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Optim;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>The epoch loop both TWA variants share: the fit split (train = TWA-t, holdout = TWA-v), the schedule,
/// a per-epoch order distinct from base training's, forward/backward into the flat gradient, then the variant's
/// coefficient update (given the step's learning rate), progress and the end-of-epoch evaluation.</summary>
internal static class CoefficientFitLoop
{
    /// <summary>Number of coefficient steps the loop takes (epochs × global batches of the fit split).</summary>
    public static long Steps(PhaseContext ctx, TwaPhaseSpec spec)
    {
        var fitSet = spec.FitOn == TwaFitOn.Holdout ? ctx.Data.Holdout : ctx.Data.Train;
        return (long)spec.Epochs * new EpochSampler(fitSet.Count, ctx.BatchSize, ctx.Seed, 0).BatchCount;
    }

    public static IReadOnlyList<EpochRecord> Run(PhaseContext ctx, TwaPhaseSpec spec, Action<double> updateCoefficients)
    {
        var fitSet = spec.FitOn == TwaFitOn.Holdout ? ctx.Data.Holdout : ctx.Data.Train;
        var stepsPerEpoch = new EpochSampler(fitSet.Count, ctx.BatchSize, ctx.Seed, 0).BatchCount;
        var schedule = new LearningRateSchedule(spec.Schedule, spec.Optimizer.Lr, spec.Epochs, stepsPerEpoch);
        var history = new List<EpochRecord>();
        long step = 0;
        for (var epoch = 0; epoch < spec.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            // A TWA epoch draws its own order: the seed offset keeps it distinct from base training's epochs.
            var sampler = new EpochSampler(fitSet.Count, ctx.BatchSize, ctx.Seed + 0x7A, epoch);
            double lossSum = 0;
            long correct = 0;
            var lr = schedule.At(step);
            for (var b = 0; b < sampler.BatchCount; b++, step++)
            {
                lr = schedule.At(step);
                var (l, c) = BatchStep.Run(ctx, fitSet, sampler.GlobalBatch(b), Augmentation.None, epoch,
                    string.Create(CultureInfo.InvariantCulture, $"TWA, epoch {epoch + 1}, step {step + 1}"));
                lossSum += l;
                correct += c;
                ctx.Progress?.Invoke("twa", epoch + 1, spec.Epochs, b + 1, sampler.BatchCount);
                updateCoefficients(lr);
            }

            history.Add(ctx.FinishEpoch("twa", epoch + 1, spec.Epochs, lr, lossSum, correct, fitSet.Count, clock.Elapsed.TotalSeconds));
        }

        return history;
    }
}
