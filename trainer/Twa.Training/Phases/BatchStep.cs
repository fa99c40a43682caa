using Twa.Torch;
using Twa.Torch.Nn;
using Twa.Training.Data;

namespace Twa.Training.Phases;

/// <summary>Forward + backward of one batch into the model's flat gradient; shared by base training and TWA.</summary>
internal static class BatchStep
{
    /// <summary>Returns (summed loss, correct predictions). Throws <see cref="TrainingDivergedException"/> on a
    /// non-finite loss, naming <paramref name="where"/>.</summary>
    public static (double LossSum, long Correct) Run(PhaseContext ctx, ImageSet set, ReadOnlySpan<int> indices, Augmentation augmentation,
        int epoch, string where)
    {
        using var scope = new TensorScope();
        var model = ctx.Model;
        var (x, y) = set.Batch(indices, ctx.Data.Mean, ctx.Data.Std, model.Device, augmentation, epoch);
        model.Training = true;
        var logits = model.Forward(x);
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
            correct = (long)logits.ArgMax(1).Eq(y).Sum().Item();
        }

        return (value * indices.Length, correct);
    }
}
