using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

internal static partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial void twa_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial int twa_tensor_dim(TensorHandle t, out long dim);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_sizes(TensorHandle t, long* sizes, long capacity);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_strides(TensorHandle t, long* strides, long capacity);
    [LibraryImport(Lib)] internal static partial int twa_tensor_numel(TensorHandle t, out long numel);
    [LibraryImport(Lib)] internal static partial int twa_tensor_dtype(TensorHandle t, out int dtype);
    [LibraryImport(Lib)] internal static partial int twa_tensor_device(TensorHandle t, out int type, out int index);
    [LibraryImport(Lib)] internal static partial int twa_tensor_is_contiguous(TensorHandle t, out int value);
    [LibraryImport(Lib)] internal static partial int twa_tensor_data_ptr(TensorHandle t, out IntPtr data);
    [LibraryImport(Lib)] internal static partial int twa_tensor_same_storage(TensorHandle a, TensorHandle b, out int value);
    [LibraryImport(Lib)] internal static partial int twa_tensor_item(TensorHandle t, out double value);

    [LibraryImport(Lib)]
    internal static unsafe partial int twa_tensor_new(int kind, long* shape, int ndim, int dtype, int deviceType, int deviceIndex, int requiresGrad, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_tensor_full(long* shape, int ndim, double value, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_tensor_from_data(void* data, long nbytes, long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static partial int twa_tensor_arange(double start, double end, double step, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static partial int twa_tensor_eye(long n, int dtype, int deviceType, int deviceIndex, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_tensor_random(int kind, long* shape, int ndim, int dtype, int deviceType, int deviceIndex, GeneratorHandle gen, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static unsafe partial int twa_tensor_randint(long low, long high, long* shape, int ndim, int deviceType, int deviceIndex, GeneratorHandle gen, out TensorHandle result);
    [LibraryImport(Lib)]
    internal static partial int twa_tensor_randperm(long n, int deviceType, int deviceIndex, GeneratorHandle gen, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_bernoulli_(TensorHandle t, double p, GeneratorHandle gen);
    [LibraryImport(Lib)] internal static partial int twa_tensor_uniform_(TensorHandle t, double low, double high, GeneratorHandle gen);
    [LibraryImport(Lib)] internal static partial int twa_tensor_normal_(TensorHandle t, double mean, double std, GeneratorHandle gen);

    [LibraryImport(Lib)]
    internal static partial int twa_tensor_to(TensorHandle t, int dtype, int deviceType, int deviceIndex, int copy, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_contiguous(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_clone(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_detach(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_alias(TensorHandle t, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Lib)] internal static unsafe partial int twa_tensor_to_host(TensorHandle t, void* dst, long nbytes);

    [LibraryImport(Lib)] internal static partial int twa_tensor_unary(TensorHandle a, int op, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_unary_(TensorHandle a, int op);
    [LibraryImport(Lib)] internal static partial int twa_tensor_binary(TensorHandle a, TensorHandle b, int op, double alpha, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_binary_(TensorHandle a, TensorHandle b, int op, double alpha);
    [LibraryImport(Lib)] internal static partial int twa_tensor_binary_scalar(TensorHandle a, double s, int op, int reverse, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_binary_scalar_(TensorHandle a, double s, int op);
    [LibraryImport(Lib)] internal static partial int twa_tensor_clamp(TensorHandle a, double min, double max, int hasMin, int hasMax, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_clamp_(TensorHandle a, double min, double max, int hasMin, int hasMax);
    [LibraryImport(Lib)] internal static partial int twa_tensor_where(TensorHandle cond, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_addcmul_(TensorHandle a, TensorHandle t1, TensorHandle t2, double value);
    [LibraryImport(Lib)] internal static partial int twa_tensor_addcdiv_(TensorHandle a, TensorHandle t1, TensorHandle t2, double value);
    [LibraryImport(Lib)] internal static partial int twa_tensor_lerp_(TensorHandle a, TensorHandle end, double weight);
    [LibraryImport(Lib)] internal static partial int twa_tensor_fill_(TensorHandle a, double value);
    [LibraryImport(Lib)] internal static partial int twa_tensor_zero_(TensorHandle a);
    [LibraryImport(Lib)] internal static partial int twa_tensor_masked_fill(TensorHandle a, TensorHandle mask, double value, out TensorHandle result);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int twa_tensor_check_finite(TensorHandle t, string what);

    [LibraryImport(Lib)]
    internal static unsafe partial int twa_tensor_reduce(TensorHandle a, int op, long* dims, int ndims, int keepdim, double param, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_cumsum(TensorHandle a, long dim, out TensorHandle result);

    [LibraryImport(Lib)] internal static partial int twa_tensor_matmul(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_mm(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_bmm(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_mv(TensorHandle a, TensorHandle v, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_dot(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_outer(TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_addmm(TensorHandle c, TensorHandle a, TensorHandle b, double beta, double alpha, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_tensor_mm_out(TensorHandle result, TensorHandle a, TensorHandle b);
}
