using System.Buffers;
using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>
/// A window of raw element bytes over the storage of a contiguous CPU tensor, exposed as <see cref="Memory{T}"/> and
/// <see cref="Span{T}"/> without any copy: reading it reads the tensor's current elements, writing it changes them
/// (for example, filling a preallocated tensor straight from a network buffer). Obtained from
/// <see cref="Tensor.LeaseBytes(long, int)"/>; the bytes are in the machine's byte order (little-endian on every
/// platform libtorch runs on here), row-major.
/// <para>Ownership: the lease holds a native handle of its own to the tensor (it counts in
/// <see cref="LibTorch.LiveTensorCount"/>), so the storage stays valid until the lease is disposed, even when the
/// <see cref="Tensor"/> is disposed first. Dispose every lease (<c>using</c>): there
/// is deliberately no finalizer (a span may outlive its lease object), so a forgotten lease keeps the tensor's
/// memory for the rest of the process. Spans and memory taken from a lease must not be used after it is
/// disposed, and the tensor must not be resized (e.g. by an out= op) while leased.</para>
/// <para>Writes bypass autograd and the tensor's version counter, like a copy under no_grad: do not write into a
/// tensor that autograd saved for backward. Thread-safety: several threads may read the bytes at once; concurrent
/// writes to the same bytes, and use concurrent with <see cref="IDisposable.Dispose"/>, are the caller's to prevent.</para>
/// </summary>
public sealed unsafe class TensorMemory : MemoryManager<byte>
{
    private readonly TensorHandle _handle;
    private readonly byte* _data;
    private int _disposed;

    /// <summary>Takes ownership of <paramref name="alias"/>, a handle of its own to the leased tensor, and pins it with
    /// an extra reference so that its finalizer can never free the storage under a span still in use; Dispose drops
    /// both.</summary>
    internal TensorMemory(TensorHandle alias, byte* data, int length)
    {
        var added = false;
        alias.DangerousAddRef(ref added);
        _handle = alias;
        _data = data;
        Length = length;
    }

    /// <summary>Number of bytes in the window.</summary>
    public int Length { get; }

    /// <summary>The window as a span over the tensor's storage.</summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed.</exception>
    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new Span<byte>(_data, Length);
    }

    /// <summary>The storage is native memory that never moves: pinning only returns its address.</summary>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, Length);
        return new MemoryHandle(_data + elementIndex);
    }

    /// <summary>Nothing to undo (see <see cref="Pin"/>).</summary>
    public override void Unpin()
    {
    }

    /// <summary>Releases the lease's reference on the tensor (the storage is freed when nothing else holds it). Idempotent.</summary>
    public void Dispose() => ((IDisposable)this).Dispose();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handle.DangerousRelease();
            _handle.Dispose();
        }
    }
}
