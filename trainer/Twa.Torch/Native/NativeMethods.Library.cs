using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

/// <summary>P/Invoke declarations of twa_torch.h; one partial file per header section.</summary>
internal static partial class NativeMethods
{
    private const string Lib = NativeLibraryLoader.LibraryName;

    // Runs before the first P/Invoke of this class: the resolver must be in place by then.
    static NativeMethods() => NativeLibraryLoader.Register();

    [LibraryImport(Lib)] internal static partial int twa_abi_version();
    [LibraryImport(Lib)] internal static partial IntPtr twa_last_error();
    [LibraryImport(Lib)] internal static partial int twa_torch_version(out IntPtr text);
    [LibraryImport(Lib)] internal static partial int twa_torch_config(out IntPtr text);
    [LibraryImport(Lib)] internal static partial int twa_cuda_device_count(out int count);
    [LibraryImport(Lib)] internal static partial int twa_device_memory(int deviceType, int deviceIndex, out long allocated, out long reserved, out long total);
    [LibraryImport(Lib)] internal static partial int twa_parallel_probe(long items, out int threads);
    [LibraryImport(Lib)] internal static partial int twa_nccl_available(out int available);
    [LibraryImport(Lib)] internal static partial int twa_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int twa_get_num_threads(out int n);
    [LibraryImport(Lib)] internal static partial int twa_set_blas_threads(int n, out int applied);
    [LibraryImport(Lib)] internal static partial int twa_get_blas_threads(out int n);
    [LibraryImport(Lib)] internal static partial long twa_tensor_live_count();
    [LibraryImport(Lib)] internal static partial int twa_manual_seed(ulong seed);

    [LibraryImport(Lib)] internal static partial int twa_generator_new(ulong seed, int deviceType, int deviceIndex, out GeneratorHandle result);
    [LibraryImport(Lib)] internal static partial void twa_generator_free(IntPtr g);
    [LibraryImport(Lib)] internal static partial int twa_generator_get_state(GeneratorHandle g, out TensorHandle result);
    [LibraryImport(Lib)] internal static partial int twa_generator_set_state(GeneratorHandle g, TensorHandle state);
}
