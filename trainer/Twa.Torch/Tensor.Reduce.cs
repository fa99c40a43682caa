using Twa.Torch.Native;

namespace Twa.Torch;

public sealed partial class Tensor
{
    private unsafe Tensor Reduce(ReduceKind op, ReadOnlySpan<long> dims, bool keepDim, double param = 0)
    {
        fixed (long* p = dims)
        {
            return Wrap(NativeMethods.twa_tensor_reduce(Handle, (int)op, p, dims.Length, Flag(keepDim), param, out var r), r);
        }
    }

    /// <summary>Sum of all elements (0-d tensor).</summary>
    public Tensor Sum() => Reduce(ReduceKind.Sum, [], false);
    public Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceKind.Sum, dims, keepDim);
    public Tensor Mean() => Reduce(ReduceKind.Mean, [], false);
    public Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceKind.Mean, dims, keepDim);
    public Tensor Max() => Reduce(ReduceKind.Max, [], false);
    public Tensor Max(long dim, bool keepDim = false) => Reduce(ReduceKind.Max, [dim], keepDim);
    public Tensor Min() => Reduce(ReduceKind.Min, [], false);
    public Tensor Min(long dim, bool keepDim = false) => Reduce(ReduceKind.Min, [dim], keepDim);
    public Tensor Prod() => Reduce(ReduceKind.Prod, [], false);
    public Tensor Prod(long dim, bool keepDim = false) => Reduce(ReduceKind.Prod, [dim], keepDim);

    /// <summary>Index of the largest element (flattened), as i64.</summary>
    public Tensor ArgMax() => Reduce(ReduceKind.ArgMax, [], false);
    public Tensor ArgMax(long dim, bool keepDim = false) => Reduce(ReduceKind.ArgMax, [dim], keepDim);
    public Tensor ArgMin() => Reduce(ReduceKind.ArgMin, [], false);
    public Tensor ArgMin(long dim, bool keepDim = false) => Reduce(ReduceKind.ArgMin, [dim], keepDim);

    /// <summary>Vector p-norm over all elements (default: Euclidean).</summary>
    public Tensor Norm(double p = 2) => Reduce(ReduceKind.Norm, [], false, p);
    public Tensor Norm(ReadOnlySpan<long> dims, double p = 2, bool keepDim = false) => Reduce(ReduceKind.Norm, dims, keepDim, p);

    /// <summary>Variance; <paramref name="correction"/> 1 = unbiased, 0 = population.</summary>
    public Tensor Var(ReadOnlySpan<long> dims, int correction = 1, bool keepDim = false) => Reduce(ReduceKind.Var, dims, keepDim, correction);
    public Tensor Var(int correction = 1) => Reduce(ReduceKind.Var, [], false, correction);
    public Tensor Std(ReadOnlySpan<long> dims, int correction = 1, bool keepDim = false) => Reduce(ReduceKind.Std, dims, keepDim, correction);
    public Tensor Std(int correction = 1) => Reduce(ReduceKind.Std, [], false, correction);
    public Tensor Any() => Reduce(ReduceKind.Any, [], false);
    public Tensor All() => Reduce(ReduceKind.All, [], false);
    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(ReduceKind.LogSumExp, [dim], keepDim);
    public Tensor CumSum(long dim) => Wrap(NativeMethods.twa_tensor_cumsum(Handle, dim, out var r), r);

    /// <summary>Matrix product with numpy-style broadcasting (torch.matmul).</summary>
    public Tensor MatMul(Tensor other) => Wrap(NativeMethods.twa_tensor_matmul(Handle, other.Handle, out var r), r);

    /// <summary>2-D matrix product.</summary>
    public Tensor Mm(Tensor other) => Wrap(NativeMethods.twa_tensor_mm(Handle, other.Handle, out var r), r);

    /// <summary>Batched 3-D matrix product.</summary>
    public Tensor Bmm(Tensor other) => Wrap(NativeMethods.twa_tensor_bmm(Handle, other.Handle, out var r), r);

    /// <summary>Matrix-vector product.</summary>
    public Tensor Mv(Tensor vector) => Wrap(NativeMethods.twa_tensor_mv(Handle, vector.Handle, out var r), r);
    public Tensor Dot(Tensor other) => Wrap(NativeMethods.twa_tensor_dot(Handle, other.Handle, out var r), r);
    public Tensor Outer(Tensor other) => Wrap(NativeMethods.twa_tensor_outer(Handle, other.Handle, out var r), r);
}
