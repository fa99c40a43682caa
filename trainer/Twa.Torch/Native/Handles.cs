using System.Runtime.InteropServices;

namespace Twa.Torch.Native;

/// <summary>Owns one native tensor handle (an <c>at::Tensor*</c>); freed exactly once.</summary>
internal sealed class TensorHandle : SafeHandle
{
    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <summary>A shared invalid handle passed where the C API accepts NULL (never released).</summary>
    public static TensorHandle Null { get; } = new();

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.twa_tensor_free(handle);
        return true;
    }
}

/// <summary>Owns one native random generator.</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    public GeneratorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <summary>A shared invalid handle meaning "libtorch's global generator" (never released).</summary>
    public static GeneratorHandle Null { get; } = new();

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.twa_generator_free(handle);
        return true;
    }
}

/// <summary>Owns one native c10d store (TCPStore or a prefix view of one).</summary>
internal sealed class StoreHandle : SafeHandle
{
    public StoreHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.twa_store_free(handle);
        return true;
    }
}

/// <summary>Owns one native process group. <see cref="Abort"/> selects the non-blocking teardown.</summary>
internal sealed class ProcessGroupHandle : SafeHandle
{
    public ProcessGroupHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    /// <summary>When set before release, pending work is abandoned instead of awaited.</summary>
    public bool Abort { get; set; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.twa_pg_free(handle, Abort ? 1 : 0);
        return true;
    }
}
