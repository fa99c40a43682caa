using Twa.Torch;
using Twa.Training.Distributed;

namespace Twa.Training.Averaging;

/// <summary>
/// The orthonormal basis of TWA's ICLR variant: rows of <see cref="P"/> (r×D, f64) span the selected snapshots
/// W (n×D), with <c>P = C·W</c>. Built by CholeskyQR2 on the Gram matrix in f64 (ALGORITHMS.md 1.4, our
/// recommendation): an incremental Cholesky of G = W·Wᵀ drops a snapshot whose residual norm is below
/// <c>eps·‖w_i‖</c> (collinear or duplicate), P₁ = L⁻¹W, then a second pass P = L₂⁻¹P₁ restores orthogonality
/// lost to rounding. Column-sharded (DESIGN.md section 5): each rank passes its columns W_r of the snapshots; the
/// n×n Gram matrices are sums of the ranks' partial Grams (all-reduced in f64), so the transforms and the dropped
/// snapshots are identical on every rank and <see cref="P"/> holds this rank's columns P_r = T·W_r. Owns its tensors;
/// dispose it.
/// </summary>
public sealed class SchmidtBasis : IDisposable
{
    private SchmidtBasis(Tensor p, Tensor c, int[] kept, int[] dropped, double orthogonalityError)
    {
        P = p;
        C = c;
        Kept = kept;
        Dropped = dropped;
        OrthogonalityError = orthogonalityError;
    }

    /// <summary>r×D_r, f64: this rank's columns of the orthonormal rows (all D columns on a single rank).</summary>
    public Tensor P { get; }

    /// <summary>r×n, f64: P = C·W (zero columns for dropped snapshots); averaging coefficients α = Cᵀβ.</summary>
    public Tensor C { get; }

    /// <summary>Positions (0..n-1) of the snapshots that span the basis.</summary>
    public IReadOnlyList<int> Kept { get; }

    /// <summary>Positions dropped as (nearly) collinear with earlier ones.</summary>
    public IReadOnlyList<int> Dropped { get; }

    /// <summary>max |P·Pᵀ − I|.</summary>
    public double OrthogonalityError { get; }

    public int Rank => Kept.Count;

    /// <summary>Builds the basis of the rows of W from this rank's columns <paramref name="w"/> (n×D_r, any float
    /// dtype; used in f64). Every rank of <paramref name="ranks"/> (default: a single rank) must call it.</summary>
    public static SchmidtBasis Build(Tensor w, RankGroup? ranks = null, double eps = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(w);
        ranks ??= RankGroup.OneRank;
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var w64 = w.To(DType.Float64);
        var n = (int)w64.Size(0);
        var partialGram = w64.Mm(w64.T());
        ranks.AllReduce(partialGram);
        var gram = partialGram.ToArray<double>();

        // Incremental Cholesky with dropping: l[i][j] over accepted j.
        var kept = new List<int>();
        var l = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            var row = new double[kept.Count];
            for (var a = 0; a < kept.Count; a++)
            {
                var s = gram[i * n + kept[a]];
                for (var k = 0; k < a; k++)
                {
                    s -= row[k] * l[a, k];
                }

                row[a] = s / l[a, a];
            }

            var d = gram[i * n + i] - row.Sum(v => v * v);
            if (d <= eps * eps * gram[i * n + i] || gram[i * n + i] == 0)
            {
                continue;
            }

            var r = kept.Count;
            for (var k = 0; k < r; k++)
            {
                l[r, k] = row[k];
            }

            l[r, r] = Math.Sqrt(d);
            kept.Add(i);
        }

        var rank = kept.Count;
        if (rank == 0)
        {
            throw new ArgumentException("the selected snapshots are all zero; TWA needs non-zero snapshots");
        }

        var lFlat = new double[rank * rank];
        for (var i = 0; i < rank; i++)
        {
            for (var k = 0; k <= i; k++)
            {
                lFlat[i * rank + k] = l[i, k];
            }
        }

        var l1 = Tensors.FromArray<double>(lFlat, [rank, rank]);
        var wKept = w64.IndexSelect(0, Tensors.FromArray<long>(kept.Select(k => (long)k).ToArray()));
        var p1 = Linalg.SolveTriangular(l1, wKept, upper: false);
        var gram2 = p1.Mm(p1.T());
        ranks.AllReduce(gram2);
        var l2 = Linalg.Cholesky(gram2);
        var p = Linalg.SolveTriangular(l2, p1, upper: false);

        // C over kept snapshots = L2⁻¹ L1⁻¹, scattered into the n columns.
        var cKept = Linalg.SolveTriangular(l2, Linalg.SolveTriangular(l1, Tensors.Eye(rank, DType.Float64), upper: false), upper: false);
        var c = Tensors.Zeros([rank, n], DType.Float64);
        c.IndexCopyInPlace(1, Tensors.FromArray<long>(kept.Select(k => (long)k).ToArray()), cKept);
        var ppT = p.Mm(p.T());
        ranks.AllReduce(ppT);
        var error = ppT.Sub(Tensors.Eye(rank, DType.Float64)).Abs().Max().Item();
        var dropped = Enumerable.Range(0, n).Except(kept).ToArray();
        return new SchmidtBasis(scope.Detach(p), scope.Detach(c), kept.ToArray(), dropped, error);
    }

    public void Dispose()
    {
        P.Dispose();
        C.Dispose();
    }
}
