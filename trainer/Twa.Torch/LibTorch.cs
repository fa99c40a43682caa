using System.Runtime.InteropServices;
using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>Process-wide facts and settings of the loaded libtorch.</summary>
public static class LibTorch
{
    /// <summary>libtorch's version, e.g. "1.13.0".</summary>
    public static string Version
    {
        get
        {
            Status.Check(NativeMethods.twa_torch_version(out var p));
            return Marshal.PtrToStringUTF8(p) ?? string.Empty;
        }
    }

    /// <summary>libtorch's build configuration and parallel settings (at::show_config + get_parallel_info).</summary>
    public static string BuildConfig
    {
        get
        {
            Status.Check(NativeMethods.twa_torch_config(out var p));
            return Marshal.PtrToStringUTF8(p) ?? string.Empty;
        }
    }

    /// <summary>Number of CUDA devices usable by this build (0 on CPU builds).</summary>
    public static int CudaDeviceCount
    {
        get
        {
            Status.Check(NativeMethods.twa_cuda_device_count(out var n));
            return n;
        }
    }

    /// <summary>Whether the shim was compiled with the NCCL backend.</summary>
    public static bool IsNcclAvailable
    {
        get
        {
            Status.Check(NativeMethods.twa_nccl_available(out var v));
            return v != 0;
        }
    }

    /// <summary>Intra-op thread count of libtorch (process-wide).</summary>
    public static int NumThreads
    {
        get
        {
            Status.Check(NativeMethods.twa_get_num_threads(out var n));
            return n;
        }
        set => Status.Check(NativeMethods.twa_set_num_threads(value));
    }

    /// <summary>Number of native tensor handles alive in this process (created and not yet disposed/finalized).</summary>
    public static long LiveTensorCount => NativeMethods.twa_tensor_live_count();

    /// <summary>Seeds libtorch's global generators (ops called without an explicit <see cref="Generator"/>).</summary>
    public static void ManualSeed(ulong seed) => Status.Check(NativeMethods.twa_manual_seed(seed));
}
