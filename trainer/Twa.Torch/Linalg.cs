using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>Linear algebra (torch.linalg); results are new tensors owned by the caller or the current scope.</summary>
public static class Linalg
{
    /// <summary>Singular values in descending order.</summary>
    public static Tensor SvdVals(Tensor a) => Tensor.Wrap(NativeMethods.twa_linalg_svdvals(a.Handle, out var r), r);

    /// <summary>a = U diag(S) Vh.</summary>
    public static (Tensor U, Tensor S, Tensor Vh) Svd(Tensor a, bool fullMatrices = false)
    {
        var status = NativeMethods.twa_linalg_svd(a.Handle, Tensor.Flag(fullMatrices), out var u, out var s, out var vh);
        return (Tensor.Wrap(status, u), Tensor.Wrap(status, s), Tensor.Wrap(status, vh));
    }

    /// <summary>Eigen-decomposition of a symmetric matrix; eigenvalues ascending, eigenvectors in columns.</summary>
    public static (Tensor Eigenvalues, Tensor Eigenvectors) Eigh(Tensor a, bool upper = false)
    {
        var status = NativeMethods.twa_linalg_eigh(a.Handle, Tensor.Flag(upper), out var w, out var v);
        return (Tensor.Wrap(status, w), Tensor.Wrap(status, v));
    }

    /// <summary>Cholesky factor L (a = L Lᵀ), or U when <paramref name="upper"/>. Fails for non positive-definite input.</summary>
    public static Tensor Cholesky(Tensor a, bool upper = false) => Tensor.Wrap(NativeMethods.twa_linalg_cholesky(a.Handle, Tensor.Flag(upper), out var r), r);

    /// <summary>Solves a X = b (<paramref name="left"/>) or X a = b for triangular a.</summary>
    public static Tensor SolveTriangular(Tensor a, Tensor b, bool upper, bool left = true, bool unitTriangular = false) =>
        Tensor.Wrap(NativeMethods.twa_linalg_solve_triangular(a.Handle, b.Handle, Tensor.Flag(upper), Tensor.Flag(left),
            Tensor.Flag(unitTriangular), out var r), r);

    /// <summary>Reduced QR decomposition.</summary>
    public static (Tensor Q, Tensor R) Qr(Tensor a)
    {
        var status = NativeMethods.twa_linalg_qr(a.Handle, out var q, out var r);
        return (Tensor.Wrap(status, q), Tensor.Wrap(status, r));
    }

    public static Tensor Inv(Tensor a) => Tensor.Wrap(NativeMethods.twa_linalg_inv(a.Handle, out var r), r);
}
