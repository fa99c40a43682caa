using Twa.Torch;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>SWA on the same snapshots as TWA (ALGORITHMS.md 3.2): the equal average of the selected snapshots,
/// followed by an exact BN refresh, evaluated on the test set. Leaves the model at the SWA point.</summary>
public static class SwaBaseline
{
    public static Evaluation Evaluate(PhaseContext context, IReadOnlyList<int> snapshots)
    {
        ArgumentNullException.ThrowIfNull(context);
        var model = context.Model;
        var d = model.Parameters.NumElements;
        using var scope = new TensorScope();
        using (Autograd.NoGrad())
        {
            var w = SnapshotMatrix.Read(context.Store, snapshots, 0, d, d);
            model.Parameters.Flat.CopyFrom(w.To(DType.Float64).Mean([0]));
        }

        Evaluator.RefreshBatchNorm(model, context.Data.Train, context.Data.Mean, context.Data.Std, BatchStep.RefreshDropoutSeed(context));
        return Evaluator.Evaluate(model, context.Data.Test, context.Data.Mean, context.Data.Std);
    }
}
