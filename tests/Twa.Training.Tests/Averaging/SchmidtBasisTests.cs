using Twa.Torch;
using Twa.Training.Averaging;

namespace Twa.Training.Tests.Averaging;

/// <summary>ALGORITHMS.md section 8, cases 1-4 and 6.</summary>
public sealed class SchmidtBasisTests
{
    private static Tensor Random(long n, long d, ulong seed)
    {
        using var g = new Generator(seed);
        return Tensors.Randn([n, d], g, DType.Float64);
    }

    [Fact]
    public void Build_RandomSnapshots_IsOrthonormalAndSpansThem()
    {
        using var scope = new TensorScope();
        var w = Random(8, 10_000, 1);
        using var basis = SchmidtBasis.Build(w);
        Assert.Equal(8, basis.Rank);
        Assert.True(basis.OrthogonalityError < 1e-5, $"{basis.OrthogonalityError}");
        var reconstructed = basis.P.T().Mm(basis.P.Mm(w.T())).T();
        var relative = reconstructed.Sub(w).Norm([1]).Div(w.Norm([1])).Max().Item();
        Assert.True(relative < 1e-5, $"span reconstruction error {relative}");
    }

    [Fact]
    public void Build_NearlyCollinearSnapshotsEps1e3_StayOrthonormal()
    {
        // Case 1's regression: w_i = w_0 + 1e-3·noise_i, n = 20 (one-pass fp32 Gram-Schmidt gives 1.8e-1 here).
        using var scope = new TensorScope();
        var w0 = Random(1, 10_000, 2);
        var w = w0.Expand(20, 10_000).Add(Random(20, 10_000, 3).Mul(1e-3)).To(DType.Float32);
        using var basis = SchmidtBasis.Build(w);
        Assert.Equal(20, basis.Rank);
        Assert.True(basis.OrthogonalityError < 1e-5, $"{basis.OrthogonalityError}");
    }

    [Fact]
    public void Build_DuplicateSnapshot_IsDroppedAndReported()
    {
        using var scope = new TensorScope();
        var w = Random(4, 500, 4);
        var withDuplicate = Tensors.Cat([w, w.Narrow(0, 1, 1).Mul(2.0)]);
        using var basis = SchmidtBasis.Build(withDuplicate);
        Assert.Equal([4], basis.Dropped);
        Assert.Equal(4, basis.Rank);
    }

    [Fact]
    public void Coefficients_OfTheMean_AreOneOverN()
    {
        using var scope = new TensorScope();
        var w = Random(6, 2_000, 5);
        using var basis = SchmidtBasis.Build(w);
        var mean = w.Mean([0]);
        var alpha = basis.C.T().Mv(basis.P.Mv(mean)).ToArray<double>();
        Assert.All(alpha, a => Assert.Equal(1.0 / 6, a, 9));
    }

    [Fact]
    public void Projector_IsIdempotentAndNonExpanding()
    {
        using var scope = new TensorScope();
        var w = Random(5, 1_000, 6);
        using var basis = SchmidtBasis.Build(w);
        var g = Random(1, 1_000, 7).Select(0, 0);
        var qg = basis.P.T().Mv(basis.P.Mv(g));
        var qqg = basis.P.T().Mv(basis.P.Mv(qg));
        Assert.True(qqg.Sub(qg).Norm().Item() < 1e-10 * qg.Norm().Item());
        Assert.True(qg.Norm().Item() <= g.Norm().Item());
    }

    [Fact]
    public void CoordinateSgd_EqualsFullSpaceProjectedSgd_After20Steps()
    {
        // Loss ½‖w − t‖² (gradient w − t): projected SGD with momentum 0.9 and wd 1e-5 on w versus the same
        // optimizer on β = P·w must give the same w (case 6).
        using var scope = new TensorScope();
        var w = Random(4, 300, 8);
        var target = Random(1, 300, 9).Select(0, 0);
        using var basis = SchmidtBasis.Build(w);
        var p = basis.P;
        var start = w.Mean([0]);
        const double lr = 0.1, mu = 0.9, wd = 1e-5;

        var full = start.Clone();
        Tensor? bufFull = null;
        var beta = p.Mv(start);
        Tensor? bufBeta = null;
        for (var step = 0; step < 20; step++)
        {
            var gFull = p.T().Mv(p.Mv(full.Sub(target))).Add(full, wd);
            bufFull = bufFull is null ? gFull : bufFull.Mul(mu).Add(gFull);
            full = full.Sub(bufFull, lr);

            var wBeta = p.T().Mv(beta);
            var gBeta = p.Mv(wBeta.Sub(target)).Add(beta, wd);
            bufBeta = bufBeta is null ? gBeta : bufBeta.Mul(mu).Add(gBeta);
            beta = beta.Sub(bufBeta, lr);
        }

        var fromBeta = p.T().Mv(beta);
        Assert.True(fromBeta.Sub(full).Norm().Item() / full.Norm().Item() < 1e-5);
        Assert.True(full.Sub(p.T().Mv(p.Mv(full))).Norm().Item() / full.Norm().Item() < 1e-5); // case 5: stays in the span
    }
}
