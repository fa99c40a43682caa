using System.Globalization;
using Twa.Torch;
using Twa.Jobs;
using Twa.Training.Optim;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>
/// TWA, ICLR variant, in the coordinate formulation (ALGORITHMS.md 1.6): the weights are w = Pᵀβ with P the
/// orthonormal <see cref="SchmidtBasis"/> of the selected snapshots; only β (r values) is trained, with the
/// optimizer of the job (SGD with momentum and weight decay on β is exactly projected SGD on w, because P is
/// orthonormal and the start lies in the span). Per step: forward/backward of the full model, g_β = P·g,
/// optimizer step on β, w = Pᵀβ written into the model's flat buffer. BN statistics keep updating in train
/// mode and are re-estimated exactly at the end. Single rank: the engine works on the column range [0, D).
/// </summary>
public sealed class SchmidtTwa(PhaseContext context, TwaPhaseSpec spec)
{
    public TwaFitResult Run()
    {
        var ctx = context;
        var model = ctx.Model;
        var d = model.Parameters.NumElements;
        var indices = spec.Snapshots.Indices().ToArray();
        using var scope = new TensorScope();
        var w = SnapshotMatrix.Read(ctx.Store, indices, 0, d, d);
        using var basis = SchmidtBasis.Build(w);
        if (basis.Dropped.Count > 0)
        {
            ctx.Log($"twa: dropped snapshot(s) {string.Join(", ", basis.Dropped.Select(i => indices[i]))} as collinear with earlier ones");
        }

        ctx.Log(string.Create(CultureInfo.InvariantCulture,
            $"twa: basis of {basis.Rank} snapshot(s) {indices[0]}..{indices[^1]}, D = {d}, max|PPᵀ-I| = {basis.OrthogonalityError:E1}"));

        // Start point: the mean of the selected snapshots (the SWA point) or the last one; β = P·w_start.
        var w64 = w.To(DType.Float64);
        var start = spec.Start == TwaStart.Mean ? w64.Mean([0]) : w64.Select(0, indices.Length - 1);
        var beta64 = basis.P.Mv(start);
        var residual = basis.P.T().Mv(beta64).Sub(start).Norm().Item() / start.Norm().Item();
        var p = scope.Detach(basis.P.To(DType.Float32).Contiguous());
        var beta = scope.Detach(beta64.To(DType.Float32));
        try
        {
            return Fit(p, beta, basis, residual, indices);
        }
        finally
        {
            p.Dispose();
            beta.Dispose();
        }
    }

    private TwaFitResult Fit(Tensor p, Tensor beta, SchmidtBasis basis, double startResidual, int[] indices)
    {
        var ctx = context;
        var model = ctx.Model;
        var flat = model.Parameters.Flat;
        var pT = p.T();
        void Reconstruct()
        {
            using var noGrad = Autograd.NoGrad();
            using var column = flat.View(flat.NumElements, 1);
            using var b = beta.View(beta.NumElements, 1);
            Tensors.MmOut(column, pT, b);
        }

        Reconstruct();
        if (spec.Start == TwaStart.Last)
        {
            using var buffers = new TensorScope();
            foreach (var ((_, target), (_, saved)) in model.Buffers.Zip(ctx.Store.ReadBuffers(indices[^1])))
            {
                target.CopyFrom(saved);
            }
        }
        else
        {
            Evaluator.RefreshBatchNorm(model, ctx.Data.Train, ctx.Data.Mean, ctx.Data.Std);
        }

        using var optimizer = OptimizerFactory.Create(spec.Optimizer);
        using var gradBeta = Tensors.Zeros(beta.Shape);
        var history = CoefficientFitLoop.Run(ctx, spec, lr =>
        {
            using (Autograd.NoGrad())
            {
                using var g = model.Parameters.FlatGrad.View(flat.NumElements, 1);
                using var gb = gradBeta.View(beta.NumElements, 1);
                Tensors.MmOut(gb, p, g);
            }

            optimizer.Update(beta, gradBeta, lr);
            Reconstruct();
        });

        Evaluator.RefreshBatchNorm(model, ctx.Data.Train, ctx.Data.Mean, ctx.Data.Std);
        using var scope = new TensorScope();
        var beta64 = beta.To(DType.Float64);
        var alpha = basis.C.T().Mv(beta64).ToArray<double>();
        return new TwaFitResult(history, basis.Rank, basis.Dropped.Select(i => indices[i]).ToArray(), beta64.ToArray<double>())
        {
            OrthogonalityError = basis.OrthogonalityError,
            StartResidual = startResidual,
            AveragingCoefficients = alpha,
            BasisBytes = basis.P.NumElements * 4,
        };
    }
}
