using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_view(TensorHandle a, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_reshape(TensorHandle a, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_expand(TensorHandle a, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_permute(TensorHandle a, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_transpose(TensorHandle a, long d0, long d1, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_flatten(TensorHandle a, long startDim, long endDim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_unsqueeze(TensorHandle a, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_squeeze(TensorHandle a, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_narrow(TensorHandle a, long dim, long start, long length, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_select(TensorHandle a, long dim, long index, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_index_select(TensorHandle a, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_gather(TensorHandle a, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_index_copy_(TensorHandle a, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static partial int twa_tensor_index_add_(TensorHandle a, long dim, TensorHandle index, TensorHandle src);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_cat(IntPtr* tensors, int count, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_stack(IntPtr* tensors, int count, long dim, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_tri(TensorHandle a, int kind, long diagonal, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_diag(TensorHandle a, long diagonal, out TensorHandle result);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_flip(TensorHandle a, long* dims, int ndims, out TensorHandle result);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_pad(TensorHandle a, long* pads, int npads, double value, out TensorHandle result);
}
