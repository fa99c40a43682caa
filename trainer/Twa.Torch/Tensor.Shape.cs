using Twa.Torch.Native;

namespace Twa.Torch;

public sealed partial class Tensor
{
    /// <summary>A view with a new shape (no copy; fails when the layout does not allow it). One size may be -1.</summary>
    public unsafe Tensor View(params ReadOnlySpan<long> shape)
    {
        fixed (long* p = shape)
        {
            return Wrap(NativeMethods.twa_tensor_view(Handle, p, shape.Length, out var r), r);
        }
    }

    /// <summary>Like <see cref="View"/> but copies when needed.</summary>
    public unsafe Tensor Reshape(params ReadOnlySpan<long> shape)
    {
        fixed (long* p = shape)
        {
            return Wrap(NativeMethods.twa_tensor_reshape(Handle, p, shape.Length, out var r), r);
        }
    }

    public unsafe Tensor Expand(params ReadOnlySpan<long> shape)
    {
        fixed (long* p = shape)
        {
            return Wrap(NativeMethods.twa_tensor_expand(Handle, p, shape.Length, out var r), r);
        }
    }

    public unsafe Tensor Permute(params ReadOnlySpan<long> dims)
    {
        fixed (long* p = dims)
        {
            return Wrap(NativeMethods.twa_tensor_permute(Handle, p, dims.Length, out var r), r);
        }
    }

    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeMethods.twa_tensor_transpose(Handle, dim0, dim1, out var r), r);

    /// <summary>Transpose of a 2-D tensor (a view).</summary>
    public Tensor T() => Transpose(0, 1);

    public Tensor Flatten(long startDim = 0, long endDim = -1) =>
        Wrap(NativeMethods.twa_tensor_flatten(Handle, startDim, endDim, out var r), r);

    public Tensor Unsqueeze(long dim) => Wrap(NativeMethods.twa_tensor_unsqueeze(Handle, dim, out var r), r);
    public Tensor Squeeze(long dim) => Wrap(NativeMethods.twa_tensor_squeeze(Handle, dim, out var r), r);

    /// <summary>A view of <paramref name="length"/> entries of dimension <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) =>
        Wrap(NativeMethods.twa_tensor_narrow(Handle, dim, start, length, out var r), r);

    /// <summary>A view of index <paramref name="index"/> along <paramref name="dim"/> (that dimension removed).</summary>
    public Tensor Select(long dim, long index) => Wrap(NativeMethods.twa_tensor_select(Handle, dim, index, out var r), r);

    public Tensor IndexSelect(long dim, Tensor index) =>
        Wrap(NativeMethods.twa_tensor_index_select(Handle, dim, index.Handle, out var r), r);

    public Tensor Gather(long dim, Tensor index) => Wrap(NativeMethods.twa_tensor_gather(Handle, dim, index.Handle, out var r), r);

    public Tensor IndexCopyInPlace(long dim, Tensor index, Tensor source)
    {
        Status.Check(NativeMethods.twa_tensor_index_copy_(Handle, dim, index.Handle, source.Handle));
        return this;
    }

    public Tensor IndexAddInPlace(long dim, Tensor index, Tensor source)
    {
        Status.Check(NativeMethods.twa_tensor_index_add_(Handle, dim, index.Handle, source.Handle));
        return this;
    }

    /// <summary>Lower triangle (entries above <paramref name="diagonal"/> zeroed).</summary>
    public Tensor Tril(long diagonal = 0) => Wrap(NativeMethods.twa_tensor_tri(Handle, 0, diagonal, out var r), r);

    /// <summary>Upper triangle (entries below <paramref name="diagonal"/> zeroed).</summary>
    public Tensor Triu(long diagonal = 0) => Wrap(NativeMethods.twa_tensor_tri(Handle, 1, diagonal, out var r), r);

    /// <summary>Diagonal of a matrix, or a diagonal matrix from a vector.</summary>
    public Tensor Diag(long diagonal = 0) => Wrap(NativeMethods.twa_tensor_diag(Handle, diagonal, out var r), r);

    public unsafe Tensor Flip(params ReadOnlySpan<long> dims)
    {
        fixed (long* p = dims)
        {
            return Wrap(NativeMethods.twa_tensor_flip(Handle, p, dims.Length, out var r), r);
        }
    }

    /// <summary>Constant padding; <paramref name="pads"/> = (left, right) of the last dim, then of the one before, ...</summary>
    public unsafe Tensor Pad(ReadOnlySpan<long> pads, double value = 0)
    {
        fixed (long* p = pads)
        {
            return Wrap(NativeMethods.twa_tensor_pad(Handle, p, pads.Length, value, out var r), r);
        }
    }
}
