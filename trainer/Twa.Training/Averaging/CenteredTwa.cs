using System.Diagnostics;
using System.Globalization;
using Twa.Torch;
using Twa.Training.Distributed;
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
/// Column-sharded over <see cref="PhaseContext.Ranks"/> (a single rank owns [0, D)): rank r reads its columns of the
/// snapshots, centres them locally (the mean is per column), normalises with per-(snapshot, block) norms and
/// quantises with per-(snapshot, block) ranges all-reduced over the ranks, so the basis does not depend on K. Per
/// step: reduce-scatter of the gradient, the partial n×L coefficient gradient all-reduced, the same optimizer step
/// everywhere, w_r = c_r + P̂_rᵀX locally and an all-gather of w.
/// </summary>
public sealed class CenteredTwa(PhaseContext context, TwaPhaseSpec spec, AugmentSpec? augment = null)
{
    public TwaFitResult Run()
    {
        var ctx = context;
        var ranks = ctx.Ranks;
        var model = ctx.Model;
        var d = model.Parameters.NumElements;
        var columns = ranks.Columns(d);
        var indices = spec.Snapshots.Indices().ToArray();
        var blockSizes = BlockPartition.Sizes(model.Parameters.Slices.Select(s => s.NumElements).ToArray(), spec.BlockSize);
        Tensor center;
        QuantizedBasis basis;
        // The snapshots and their centred, normalised copy are host-side build temporaries (freed as soon as the next
        // step no longer needs them): only the stored basis and the centre (on the model's device) outlive this scope.
        using (var build = new TensorScope())
        {
            var w = SnapshotMatrix.Read(ctx.Store, indices, columns.Start, columns.Count, d);
            // The mean in f64: a column that never changed centres to exactly 0 (an f32 mean of n equal values is
            // often 1 ulp off, which normalisation would blow up into a unit-norm noise direction; ALGORITHMS.md 2.6).
            var mean = w.To(DType.Float64).Mean([0]).To(DType.Float32);
            var normalized = w.SubInPlace(mean);
            NormalizeInPlace(normalized, blockSizes, ranks, columns);
            var blockIds = BlockPartition.ColumnBlockIds(blockSizes, Device.Cpu, columns);
            basis = QuantizedBasis.Build(normalized, blockSizes, blockIds, spec.ProjectionBits, ranks, columns, model.Device);
            center = build.Detach(mean.To(model.Device));
        }

        ctx.Log(string.Create(CultureInfo.InvariantCulture,
            $"twa: centered basis of {indices.Length} snapshot(s) {indices[0]}..{indices[^1]}, D = {d}, {blockSizes.Length} block(s), {spec.ProjectionBits} bits: {basis.EntryBytes:N0} bytes (+{basis.ScalarBytes:N0} for ranges){(ranks.IsSingle ? "" : $" on rank 0 of {ranks.Size}")}"));
        try
        {
            using var fitScope = new TensorScope(); // the fit's own temporaries (views, result conversions)
            return Fit(center, basis, blockSizes.Length, indices);
        }
        finally
        {
            center.Dispose();
            basis.Dispose();
        }
    }

    /// <summary>The exact chain-rule gradient of L(c + Σ_b P̂_bᵀX_b) w.r.t. X from g = ∂L/∂w:
    /// <paramref name="gradX"/>[i, b] = Σ_{j in block b} P̂[i, j]·g[j] (written in place). The unfused reference over a
    /// dequantised <paramref name="p"/>; a fit step uses <see cref="QuantizedBasis.CoefficientGradient(Tensor, Tensor)"/>.</summary>
    internal static void CoefficientGradient(Tensor p, Tensor g, Tensor blockIds, Tensor gradX)
    {
        using var scope = new TensorScope();
        gradX.ZeroInPlace().IndexAddInPlace(1, blockIds, p.Mul(g.Unsqueeze(0)));
    }

    /// <summary>w = c + Σ_b P̂_bᵀ X_b, i.e. w[j] = c[j] + Σ_i P̂[i, j]·X[i, block(j)] (a new tensor). The unfused
    /// reference; a fit step uses <see cref="QuantizedBasis.Reconstruct(Tensor, Tensor, Tensor)"/>.</summary>
    internal static Tensor Reconstruct(Tensor center, Tensor p, Tensor x, Tensor blockIds)
    {
        using var scope = new TensorScope();
        return scope.MoveToOuter(center.Add(p.Mul(x.IndexSelect(1, blockIds)).Sum([0])));
    }

    /// <summary>Each (row, block) segment divided by its L2 norm; an all-zero segment stays zero. With K ranks,
    /// <paramref name="centered"/> holds this rank's <paramref name="columns"/> and the norms are taken over the whole
    /// block (squared partial norms all-reduced), so every rank divides by the same value. Returns a new tensor.</summary>
    internal static Tensor Normalize(Tensor centered, IReadOnlyList<long> blockSizes, RankGroup? ranks = null, ColumnRange? columns = null) =>
        NormalizeInPlace(centered.Clone(), blockSizes, ranks, columns);

    /// <summary><see cref="Normalize"/> in place: divides the segments of <paramref name="centered"/> and returns it.</summary>
    internal static Tensor NormalizeInPlace(Tensor centered, IReadOnlyList<long> blockSizes, RankGroup? ranks = null, ColumnRange? columns = null)
    {
        ranks ??= RankGroup.OneRank;
        var segments = BlockPartition.Segments(blockSizes, columns ?? new ColumnRange(0, centered.Size(1)));
        using var scope = new TensorScope();
        var norms = Tensors.Zeros([centered.Size(0), blockSizes.Count], centered.DType, centered.Device); // [n, L]
        foreach (var s in segments)
        {
            norms.Narrow(1, s.Block, 1).CopyFrom(centered.Narrow(1, s.LocalOffset, s.Length).Norm([1], keepDim: true));
        }

        if (!ranks.IsSingle)
        {
            norms.SquareInPlace();
            ranks.AllReduce(norms);
            norms.SqrtInPlace();
        }

        foreach (var s in segments)
        {
            centered.Narrow(1, s.LocalOffset, s.Length).DivInPlace(norms.Narrow(1, s.Block, 1).Clamp(min: 1e-30));
        }

        return centered;
    }

    private TwaFitResult Fit(Tensor center, QuantizedBasis basis, int blocks, int[] indices)
    {
        var ctx = context;
        var ranks = ctx.Ranks;
        var model = ctx.Model;
        var flat = model.Parameters.Flat;
        var n = basis.Rows;
        var device = model.Device;
        using var gradLocal = ranks.IsSingle ? model.Parameters.FlatGrad.Alias() : Tensors.Zeros([basis.Columns], DType.Float32, device);
        using var x = Tensors.Zeros([n, blocks], DType.Float32, device);
        using var xFlat = x.View(n * blocks);
        using var gradX = Tensors.Zeros([n, blocks], DType.Float32, device);
        using var gradXFlat = gradX.View(n * blocks);
        using (Autograd.NoGrad())
        {
            ranks.AllGatherColumns(flat, center);
        }

        using (var buffers = new TensorScope())
        {
            model.LoadBuffers(ctx.Store.ReadBuffers(indices[^1]), $"snapshot {indices[^1]}");
        }

        using var optimizer = OptimizerFactory.Create(spec.Optimizer);
        var bytesBefore = ranks.BytesSent;
        // A single rank writes the weights in place; K ranks reconstruct their columns, then all-gather them.
        using var weightsLocal = ranks.IsSingle ? flat.Alias() : Tensors.Zeros([basis.Columns], DType.Float32, device);
        void Reconstruct()
        {
            using var noGrad = Autograd.NoGrad();
            basis.Reconstruct(center, x, weightsLocal);
            if (!ranks.IsSingle)
            {
                ranks.AllGatherColumns(flat, weightsLocal);
            }
        }

        ctx.Observer?.BasisBuilt(basis.EntryBytes);
        var history = CoefficientFitLoop.Run(ctx, spec, augment, xFlat, optimizer, lr =>
        {
            using var scope = new TensorScope();
            using var noGrad = Autograd.NoGrad();
            if (!ranks.IsSingle)
            {
                ranks.ReduceScatterColumns(gradLocal, model.Parameters.FlatGrad);
            }

            var started = Stopwatch.GetTimestamp();
            basis.CoefficientGradient(gradLocal, gradX);
            var projection = Stopwatch.GetTimestamp() - started;
            ranks.AllReduce(gradX);
            optimizer.Update(xFlat, gradXFlat, lr);
            started = Stopwatch.GetTimestamp();
            basis.Reconstruct(center, x, weightsLocal);
            projection += Stopwatch.GetTimestamp() - started;
            if (!ranks.IsSingle)
            {
                ranks.AllGatherColumns(flat, weightsLocal);
            }
            ctx.Observer?.ProjectionDone((double)projection / Stopwatch.Frequency);
        }, Reconstruct, out var stepsRun);
        var fitBytes = ranks.BytesSent - bytesBefore;

        Evaluator.RefreshBatchNorm(model, ctx.Data.Train, ctx.Data.Mean, ctx.Data.Std, BatchStep.RefreshDropoutSeed(ctx));
        return new TwaFitResult(history, (int)n, [], x.To(DType.Float64, Device.Cpu).ToArray<double>())
        {
            Blocks = blocks,
            BasisBytes = basis.EntryBytes,
            FitBytesSent = fitBytes,
            FitSteps = stepsRun,
        };
    }
}
