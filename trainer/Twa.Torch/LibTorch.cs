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

    /// <summary>Thread count of the BLAS's own pool, or null when the BLAS loaded is not OpenBLAS. Debian's libtorch
    /// calls a pthread OpenBLAS for matmul/linear, and <see cref="NumThreads"/> does not reach that pool.</summary>
    public static int? BlasThreads
    {
        get
        {
            Status.Check(NativeMethods.twa_get_blas_threads(out var n));
            return n < 0 ? null : n;
        }
    }

    /// <summary>Sets the thread count of OpenBLAS's own pool; false (and nothing set) when the BLAS loaded is not
    /// OpenBLAS.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
    public static bool SetBlasThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Status.Check(NativeMethods.twa_set_blas_threads(threads, out var applied));
        return applied > 0;
    }

    /// <summary>Number of native tensor handles alive in this process (created and not yet disposed/finalized).</summary>
    public static long LiveTensorCount => NativeMethods.twa_tensor_live_count();

    /// <summary>Memory of <paramref name="device"/> in bytes. CUDA: the caching allocator's allocated and reserved bytes
    /// and the device's total. CPU: bytes handed out by malloc (libtorch's CPU allocator), the resident set of the
    /// process, and the memory it may use (physical memory or its cgroup's limit, the lower).</summary>
    /// <exception cref="ArgumentException">A CUDA device on a build without CUDA.</exception>
    public static DeviceMemory MemoryOf(Device device)
    {
        Status.Check(NativeMethods.twa_device_memory((int)device.Type, device.Index, out var allocated, out var reserved, out var total));
        return new DeviceMemory(allocated, reserved, total);
    }

    /// <summary>How many distinct threads ran <paramref name="items"/> work items through the shim's own
    /// at::parallel_for (the projection kernels' loop). 1 with <see cref="NumThreads"/> &gt; 1 means the shim was built
    /// without OpenMP and its kernels run serially.</summary>
    public static int ParallelProbe(long items = 16)
    {
        Status.Check(NativeMethods.twa_parallel_probe(items, out var threads));
        return threads;
    }

    /// <summary>Seeds libtorch's global generators (ops called without an explicit <see cref="Generator"/>).</summary>
    public static void ManualSeed(ulong seed) => Status.Check(NativeMethods.twa_manual_seed(seed));
}

/// <summary>Memory of one device in bytes (<see cref="LibTorch.MemoryOf"/>).</summary>
public readonly record struct DeviceMemory(long Allocated, long Reserved, long Total);
