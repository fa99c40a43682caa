using Twa.Torch;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>SWA on the same snapshots as TWA (ALGORITHMS.md 3.2): the equal average of the selected snapshots,
/// followed by an exact BN refresh, evaluated on the test set. Leaves the model at the SWA point. Column-sharded over
/// <see cref="PhaseContext.Ranks"/> like TWA: each rank reads and averages only its columns of the snapshots (n·D/K
/// values) and the averages are all-gathered into the weights; then every rank refreshes BN and evaluates (the same
/// work on every rank, so none waits for another inside a collective). Every rank must call it.</summary>
public static class SwaBaseline
{
    public static Evaluation Evaluate(PhaseContext context, IReadOnlyList<int> snapshots)
    {
        ArgumentNullException.ThrowIfNull(context);
        var model = context.Model;
        var ranks = context.Ranks;
        var d = model.Parameters.NumElements;
        var columns = ranks.Columns(d);
        using (var scope = new TensorScope())
        using (Autograd.NoGrad())
        {
            var w = SnapshotMatrix.Read(context.Store, snapshots, columns.Start, columns.Count, d);
            var mean = w.To(DType.Float64).Mean([0]).To(DType.Float32, model.Device);
            ranks.AllGatherColumns(model.Parameters.Flat, mean);
        }

        Evaluator.RefreshBatchNorm(model, context.Data.Train, context.Data.Mean, context.Data.Std, BatchStep.RefreshDropoutSeed(context));
        return Evaluator.Evaluate(model, context.Data.Test, context.Data.Mean, context.Data.Std);
    }
}
