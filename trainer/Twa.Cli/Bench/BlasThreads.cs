using System.Runtime.InteropServices;

namespace Twa.Cli.Bench;

/// <summary>
/// OpenBLAS' own thread pool in this process. Debian's libtorch calls sgemm in openblas-pthread, whose
/// thread count <c>at::set_num_threads</c> (<see cref="Twa.Torch.LibTorch.NumThreads"/>) does not reach;
/// the benchmark sets both so that the C# side and the C++ reference compute with the same threads.
/// Call after libtorch is loaded, so the loader hands back the instance libtorch uses.
/// </summary>
internal static unsafe class BlasThreads
{
    private const string OpenBlas = "libopenblas.so.0";

    /// <summary>Sets OpenBLAS' thread count; false when the BLAS in use is not OpenBLAS.</summary>
    public static bool TrySet(int threads)
    {
        if (!TryExport("openblas_set_num_threads", out var p))
        {
            return false;
        }

        ((delegate* unmanaged<int, void>)p)(threads);
        return true;
    }

    /// <summary>OpenBLAS' current thread count, or -1 when the BLAS in use is not OpenBLAS.</summary>
    public static int Get() =>
        TryExport("openblas_get_num_threads", out var p) ? ((delegate* unmanaged<int>)p)() : -1;

    private static bool TryExport(string name, out IntPtr address)
    {
        address = IntPtr.Zero;
        return NativeLibrary.TryLoad(OpenBlas, out var lib) && NativeLibrary.TryGetExport(lib, name, out address);
    }
}
