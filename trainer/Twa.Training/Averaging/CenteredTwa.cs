using System.Globalization;
using Twa.Torch;
using Twa.Jobs;
using Twa.Training.Optim;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>
/// TWA, journal variant (ALGORITHMS.md 2.2): w = c + Σ_b P̂_bᵀ X_b with c the mean of the selected snapshots, P̂
/// the centred snapshots normalised per (snapshot, block) and quantised (<see cref="QuantizedBasis"/>), X the n×L
/// trainable coefficients starting at 0 (so the start is exactly c). Per step: forward/backward, the exact
/// chain-rule gradient X.grad[:, b] = P̂[:, b]·g[b], an optimizer step on X, w = c + u written into the flat buffer.
/// Fits on the training split (TWA-t) or the held-out split (TWA-v). BN buffers start from the last selected
/// snapshot and are re-estimated exactly at the end (the authors' code skips that; BN nets need it).
/// </summary>
public sealed class CenteredTwa(PhaseContext context, TwaPhaseSpec spec)
{
    public TwaFitResult Run()
    {
        var ctx = context;
        var model = ctx.Model;
        var d = model.Parameters.NumElements;
        var indices = spec.Snapshots.Indices().ToArray();
        var blockSizes = BlockPartition.Sizes(model.Parameters.Slices.Select(s => s.NumElements).ToArray(), spec.BlockSize);
        using var scope = new TensorScope();
        var w = SnapshotMatrix.Read(ctx.Store, indices, 0, d, d);
        var center = scope.Detach(w.Mean([0]));
        var blockIds = BlockPartition.ColumnBlockIds(blockSizes, Device.Cpu);
        var normalized = Normalize(w.Sub(center), blockSizes);
        using var basis = QuantizedBasis.Build(normalized, blockSizes, blockIds, spec.ProjectionBits);
        ctx.Log(string.Create(CultureInfo.InvariantCulture,
            $"twa: centered basis of {indices.Length} snapshot(s) {indices[0]}..{indices[^1]}, D = {d}, {blockSizes.Length} block(s), {spec.ProjectionBits} bits: {basis.EntryBytes:N0} bytes (+{basis.ScalarBytes:N0} for ranges)"));
        try
        {
            return Fit(center, basis, blockIds, blockSizes.Length, indices);
        }
        finally
        {
            center.Dispose();
        }
    }

    /// <summary>The exact chain-rule gradient of L(c + Σ_b P̂_bᵀX_b) w.r.t. X from g = ∂L/∂w:
    /// <paramref name="gradX"/>[i, b] = Σ_{j in block b} P̂[i, j]·g[j] (written in place).</summary>
    internal static void CoefficientGradient(Tensor p, Tensor g, Tensor blockIds, Tensor gradX)
    {
        using var scope = new TensorScope();
        gradX.ZeroInPlace().IndexAddInPlace(1, blockIds, p.Mul(g.Unsqueeze(0)));
    }

    /// <summary>w = c + Σ_b P̂_bᵀ X_b, i.e. w[j] = c[j] + Σ_i P̂[i, j]·X[i, block(j)] (a new tensor).</summary>
    internal static Tensor Reconstruct(Tensor center, Tensor p, Tensor x, Tensor blockIds)
    {
        using var scope = new TensorScope();
        return scope.MoveToOuter(center.Add(p.Mul(x.IndexSelect(1, blockIds)).Sum([0])));
    }

    /// <summary>Each (row, block) segment divided by its L2 norm; an all-zero segment stays zero.</summary>
    internal static Tensor Normalize(Tensor centered, IReadOnlyList<long> blockSizes)
    {
        var result = centered.Clone();
        long offset = 0;
        foreach (var size in blockSizes)
        {
            using var scope = new TensorScope();
            var segment = result.Narrow(1, offset, size);
            segment.DivInPlace(segment.Norm([1], keepDim: true).Clamp(min: 1e-30));
            offset += size;
        }

        return result;
    }

    private TwaFitResult Fit(Tensor center, QuantizedBasis basis, Tensor blockIds, int blocks, int[] indices)
    {
        var ctx = context;
        var model = ctx.Model;
        var flat = model.Parameters.Flat;
        var n = basis.Rows;
        using var x = Tensors.Zeros([n, blocks]);
        using var xFlat = x.View(n * blocks);
        using var gradX = Tensors.Zeros([n, blocks]);
        using var gradXFlat = gradX.View(n * blocks);
        using (Autograd.NoGrad())
        {
            flat.CopyFrom(center);
        }

        using (var buffers = new TensorScope())
        {
            foreach (var ((_, target), (_, saved)) in model.Buffers.Zip(ctx.Store.ReadBuffers(indices[^1])))
            {
                target.CopyFrom(saved);
            }
        }

        using var optimizer = OptimizerFactory.Create(spec.Optimizer);
        var history = CoefficientFitLoop.Run(ctx, spec, lr =>
        {
            using var scope = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            var p = basis.Dequantize();
            CoefficientGradient(p, model.Parameters.FlatGrad, blockIds, gradX);
            optimizer.Update(xFlat, gradXFlat, lr);
            flat.CopyFrom(Reconstruct(center, p, x, blockIds));
        });

        Evaluator.RefreshBatchNorm(model, ctx.Data.Train, ctx.Data.Mean, ctx.Data.Std);
        return new TwaFitResult(history, (int)n, [], x.To(DType.Float64).ToArray<double>())
        {
            Blocks = blocks,
            BasisBytes = basis.EntryBytes,
        };
    }
}
