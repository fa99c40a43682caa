using Twa.Torch;
using Twa.Torch.Nn;
using Twa.Training.Data;
using Twa.Training.Models;

namespace Twa.Training.Phases;

/// <summary>Forward + backward of this rank's slice of one GLOBAL batch into the model's flat gradient; shared by base
/// training and TWA. With K ranks the gradient is weighted by (slice size / global batch size), so the SUM over the
/// ranks is exactly the gradient of the global batch's mean loss, also for uneven splits; an empty slice (a last batch
/// smaller than K) contributes a zero gradient.</summary>
internal static class BatchStep
{
    /// <summary>Number of samples of this rank's slice of a global batch of <paramref name="globalLength"/>.</summary>
    public static int SliceLength(PhaseContext ctx, int globalLength) => EpochSampler.RankSlice(globalLength, ctx.Ranks.Rank, ctx.Ranks.Size).Length;

    /// <summary>Reports a finished step to the context's observer (wall time since <paramref name="startTicks"/>,
    /// a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public static void Observe(PhaseContext ctx, string phase, long startTicks, int globalLength, double lossSum)
    {
        if (ctx.Observer is not { } observer)
        {
            return;
        }

        var samples = SliceLength(ctx, globalLength);
        observer.StepDone(phase, System.Diagnostics.Stopwatch.GetElapsedTime(startTicks).TotalSeconds, samples, samples == 0 ? double.NaN : lossSum / samples);
    }

    /// <summary>The seed of the dropout generator for step <paramref name="step"/> (0-based, counted over the phase) of
    /// <paramref name="phase"/> ("base", "twa", or "bn" for the exact BN refreshes): a pure function of (job seed,
    /// phase, step), so the masks of a step do not depend on the rank, the number of ranks or on resuming.</summary>
    public static ulong DropoutSeed(ulong seed, string phase, long step) =>
        SplitMix64.For(seed, phase switch
        {
            "base" => 0xD0B5UL,
            "twa" => 0xD07AUL,
            "bn" => 0xD0BEUL,
            _ => throw new ArgumentException($"unknown phase '{phase}' (expected base, twa or bn)", nameof(phase)),
        }, (ulong)step).NextUInt64();

    /// <summary>The dropout seed of every exact BN refresh of a job (<see cref="Evaluator.RefreshBatchNorm"/>).</summary>
    public static ulong RefreshDropoutSeed(PhaseContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return DropoutSeed(ctx.Seed, "bn", 0);
    }

    /// <summary>Returns (summed loss, correct predictions) of this rank's slice. Throws
    /// <see cref="TrainingDivergedException"/> on a non-finite loss, naming <paramref name="where"/>. Dropout masks
    /// come from a generator seeded with <see cref="DropoutSeed"/>(phase, step) and are drawn for the whole global batch,
    /// then narrowed to this rank's rows (<see cref="Model.DropoutRows"/>): each sample gets the mask it gets in a
    /// one-rank run.</summary>
    public static (double LossSum, long Correct) Run(PhaseContext ctx, ImageSet set, ReadOnlySpan<int> globalBatch, Augmentation augmentation,
        int epoch, string phase, long step, string where)
    {
        using var scope = new TensorScope();
        var model = ctx.Model;
        var ranks = ctx.Ranks;
        var (start, length) = EpochSampler.RankSlice(globalBatch.Length, ranks.Rank, ranks.Size);
        var indices = globalBatch.Slice(start, length);
        if (model.DropoutGenerator is not null)
        {
            model.ReseedDropout(DropoutSeed(ctx.Seed, phase, step));
        }

        if (indices.IsEmpty)
        {
            model.Parameters.ZeroGrad();
            return (0, 0);
        }

        var (x, y) = set.Batch(indices, ctx.Data.Mean, ctx.Data.Std, model.Device, augmentation, epoch);
        model.Training = true;
        // Set for this forward pass only: a later forward in train mode (the BN refresh) takes whole batches.
        model.DropoutRows = new DropoutRows(globalBatch.Length, start);
        Tensor logits;
        try
        {
            logits = model.Forward(x);
        }
        finally
        {
            model.DropoutRows = null;
        }

        var loss = Functional.CrossEntropy(logits, y);
        var value = loss.Item();
        if (!double.IsFinite(value))
        {
            throw new TrainingDivergedException($"{where}: the loss is {value}; lower the learning rate or check the data");
        }

        model.Parameters.ZeroGrad();
        loss.Backward();
        long correct;
        using (Autograd.NoGrad())
        {
            if (indices.Length != globalBatch.Length)
            {
                model.Parameters.FlatGrad.MulInPlace((double)indices.Length / globalBatch.Length);
            }

            correct = (long)logits.ArgMax(1).Eq(y).Sum().Item();
        }

        return (value * indices.Length, correct);
    }
}
