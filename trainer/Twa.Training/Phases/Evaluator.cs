using Twa.Torch;
using Twa.Torch.Nn;
using Twa.Training.Data;
using Twa.Training.Models;

namespace Twa.Training.Phases;

/// <summary>Evaluates a model (eval mode, no autograd) and re-estimates BN statistics exactly.</summary>
public static class Evaluator
{
    /// <summary>Cross-entropy and accuracy of <paramref name="model"/> on <paramref name="set"/> in eval mode. The
    /// model's mode is restored afterwards.</summary>
    public static Evaluation Evaluate(Model model, ImageSet set, double[] mean, double[] std, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        var wasTraining = model.Training;
        model.Training = false;
        try
        {
            using var noGrad = Autograd.NoGrad();
            double lossSum = 0;
            long correct = 0;
            var indices = Enumerable.Range(0, set.Count).ToArray();
            for (var start = 0; start < set.Count; start += batchSize)
            {
                using var scope = new TensorScope();
                var (x, y) = set.Batch(indices.AsSpan(start, Math.Min(batchSize, set.Count - start)), mean, std, model.Device);
                var logits = model.Forward(x);
                lossSum += Functional.CrossEntropy(logits, y, Reduction.Sum).Item();
                correct += (long)logits.ArgMax(1).Eq(y).Sum().Item();
            }

            return new Evaluation(lossSum / set.Count, (double)correct / set.Count, set.Count);
        }
        finally
        {
            model.Training = wasTraining;
        }
    }

    /// <summary>SWA's exact BN update: reset the running statistics, then one pass over <paramref name="set"/> in
    /// train mode with momentum b/(n+b) per batch, so the result is the size-weighted average of the batch
    /// statistics (order independent). No-op for models without BN. Dropout is active in train mode (as in
    /// PyTorch's <c>update_bn</c>): a model with its own dropout generator is reseeded with
    /// <paramref name="dropoutSeed"/> first, so the refresh draws the same masks on every rank, whatever each rank's
    /// last step drew (a rank whose slice of the last batch was empty drew nothing).</summary>
    public static void RefreshBatchNorm(Model model, ImageSet set, double[] mean, double[] std, ulong dropoutSeed, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        if (!model.HasBatchNorm)
        {
            return;
        }

        var (wasTraining, momentum) = (model.Training, model.BatchNormMomentum);
        if (model.DropoutGenerator is not null)
        {
            model.ReseedDropout(dropoutSeed);
        }

        model.ResetBuffers();
        model.Training = true;
        try
        {
            using var noGrad = Autograd.NoGrad();
            var indices = Enumerable.Range(0, set.Count).ToArray();
            long seen = 0;
            for (var start = 0; start < set.Count; start += batchSize)
            {
                using var scope = new TensorScope();
                var b = Math.Min(batchSize, set.Count - start);
                model.BatchNormMomentum = (double)b / (seen + b);
                var (x, _) = set.Batch(indices.AsSpan(start, b), mean, std, model.Device);
                model.Forward(x);
                seen += b;
            }
        }
        finally
        {
            model.Training = wasTraining;
            model.BatchNormMomentum = momentum;
        }
    }
}
