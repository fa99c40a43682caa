using System.Diagnostics;
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
/// orthonormal and the start lies in the span). BN statistics keep updating in train mode and are re-estimated
/// exactly at the end.
/// Column-sharded over <see cref="PhaseContext.Ranks"/> (DESIGN.md section 5; a single rank owns [0, D)): rank r
/// reads and holds only its columns P_r. Per step: forward/backward of the full model on the rank's batch slice,
/// reduce-scatter of the gradient (g_r = this rank's columns of the global-batch gradient), the partial g_β = P_r·g_r
/// all-reduced (r values), the same optimizer step on β on every rank, w_r = P_rᵀβ and an all-gather of w.
/// </summary>
public sealed class SchmidtTwa(PhaseContext context, TwaPhaseSpec spec, AugmentSpec? augment = null)
{
    public TwaFitResult Run()
    {
        var ctx = context;
        var ranks = ctx.Ranks;
        var model = ctx.Model;
        var d = model.Parameters.NumElements;
        var columns = ranks.Columns(d);
        var indices = spec.Snapshots.Indices().ToArray();
        Tensor p, beta, coefficients;
        int rank;
        int[] dropped;
        double orthogonalityError, residual;
        // The snapshots (f32) and the f64 basis are host-side build temporaries: only the f32 basis (on the model's
        // device), β and the small r×n transform C outlive this scope, so the fit holds n·D_r·4 bytes of basis.
        using (var build = new TensorScope())
        {
            var w = SnapshotMatrix.Read(ctx.Store, indices, columns.Start, columns.Count, d);
            using var basis = SchmidtBasis.Build(w, ranks);
            if (basis.Dropped.Count > 0)
            {
                ctx.Log($"twa: dropped snapshot(s) {string.Join(", ", basis.Dropped.Select(i => indices[i]))} as collinear with earlier ones");
            }

            ctx.Log(string.Create(CultureInfo.InvariantCulture,
                $"twa: basis of {basis.Rank} snapshot(s) {indices[0]}..{indices[^1]}, D = {d}, max|PPᵀ-I| = {basis.OrthogonalityError:E1}"));

            // Start point: the mean of the selected snapshots (the SWA point) or the last one; β = P·w_start.
            var w64 = w.To(DType.Float64);
            w.Dispose();
            var start = spec.Start == TwaStart.Mean ? w64.Mean([0]) : w64.Select(0, indices.Length - 1);
            var beta64 = basis.P.Mv(start);
            ranks.AllReduce(beta64);
            residual = ranks.Norm(basis.P.T().Mv(beta64).Sub(start)) / ranks.Norm(start);
            p = build.Detach(basis.P.To(DType.Float32, model.Device).Contiguous());
            beta = build.Detach(beta64.To(DType.Float32, model.Device));
            coefficients = build.Detach(basis.C.Clone());
            (rank, dropped, orthogonalityError) = (basis.Rank, basis.Dropped.Select(i => indices[i]).ToArray(), basis.OrthogonalityError);
        }

        try
        {
            using var fitScope = new TensorScope(); // the fit's own temporaries (views, result conversions)
            return Fit(p, beta, coefficients, rank, dropped, orthogonalityError, residual, indices);
        }
        finally
        {
            p.Dispose();
            beta.Dispose();
            coefficients.Dispose();
        }
    }

    private TwaFitResult Fit(Tensor p, Tensor beta, Tensor coefficients, int rank, int[] dropped, double orthogonalityError,
        double startResidual, int[] indices)
    {
        var ctx = context;
        var ranks = ctx.Ranks;
        var model = ctx.Model;
        var flat = model.Parameters.Flat;
        var pT = p.T();
        // A single rank reads the gradient and writes the weights in place; K ranks go through their column buffers.
        using var gradLocal = ranks.IsSingle ? model.Parameters.FlatGrad.Alias() : Tensors.Zeros([p.Size(1)], DType.Float32, p.Device);
        using var weightsLocal = ranks.IsSingle ? flat.Alias() : Tensors.Zeros([p.Size(1)], DType.Float32, p.Device);
        var basisBytes = p.NumElements * p.DType.ElementSize();
        ctx.Observer?.BasisBuilt(basisBytes);
        long projectionTicks = 0;
        void Reconstruct()
        {
            using var noGrad = Autograd.NoGrad();
            using var column = weightsLocal.View(weightsLocal.NumElements, 1);
            using var b = beta.View(beta.NumElements, 1);
            var started = Stopwatch.GetTimestamp();
            Tensors.MmOut(column, pT, b);
            projectionTicks += Stopwatch.GetTimestamp() - started;
            if (!ranks.IsSingle)
            {
                ranks.AllGatherColumns(flat, weightsLocal);
            }
        }

        Reconstruct();
        if (spec.Start == TwaStart.Last)
        {
            using var buffers = new TensorScope();
            model.LoadBuffers(ctx.Store.ReadBuffers(indices[^1]), $"snapshot {indices[^1]}");
        }
        else
        {
            Evaluator.RefreshBatchNorm(model, ctx.Data.Train, ctx.Data.Mean, ctx.Data.Std, BatchStep.RefreshDropoutSeed(ctx));
        }

        using var optimizer = OptimizerFactory.Create(spec.Optimizer);
        using var gradBeta = Tensors.Zeros(beta.Shape, beta.DType, beta.Device);
        var bytesBefore = ranks.BytesSent;
        var history = CoefficientFitLoop.Run(ctx, spec, augment, beta, optimizer, lr =>
        {
            using (Autograd.NoGrad())
            {
                if (!ranks.IsSingle)
                {
                    ranks.ReduceScatterColumns(gradLocal, model.Parameters.FlatGrad);
                }

                using var g = gradLocal.View(gradLocal.NumElements, 1);
                using var gb = gradBeta.View(beta.NumElements, 1);
                projectionTicks = 0;
                var started = Stopwatch.GetTimestamp();
                Tensors.MmOut(gb, p, g);
                projectionTicks += Stopwatch.GetTimestamp() - started;
                ranks.AllReduce(gradBeta);
            }

            optimizer.Update(beta, gradBeta, lr);
            Reconstruct();
            ctx.Observer?.ProjectionDone((double)projectionTicks / Stopwatch.Frequency);
        }, Reconstruct, out var stepsRun);
        var fitBytes = ranks.BytesSent - bytesBefore;

        Evaluator.RefreshBatchNorm(model, ctx.Data.Train, ctx.Data.Mean, ctx.Data.Std, BatchStep.RefreshDropoutSeed(ctx));
        using var scope = new TensorScope();
        var beta64 = beta.To(DType.Float64, Device.Cpu);
        var alpha = coefficients.T().Mv(beta64).ToArray<double>();
        return new TwaFitResult(history, rank, dropped, beta64.ToArray<double>())
        {
            OrthogonalityError = orthogonalityError,
            StartResidual = startResidual,
            AveragingCoefficients = alpha,
            BasisBytes = basisBytes,
            FitBytesSent = fitBytes,
            FitSteps = stepsRun,
        };
    }
}
