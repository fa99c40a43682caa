using System.Globalization;
using System.Runtime.InteropServices;
using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>
/// A libtorch tensor. Every method returns a NEW tensor owned by the caller (or by the innermost
/// <see cref="TensorScope"/> when one is active on this thread) and never disposes its inputs;
/// methods ending in <c>InPlace</c> modify this tensor and return it. Dispose tensors
/// deterministically (<c>using</c> or a scope); the finalizer is only a safety net.
/// Not thread-safe: a tensor must not be mutated concurrently from several threads.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private long[]? _shape;

    internal Tensor(TensorHandle handle)
    {
        _handle = handle;
        TensorScope.Register(this);
    }

    /// <summary>The scope that will dispose this tensor, or null when the caller owns it.</summary>
    internal TensorScope? Owner { get; set; }

    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Releases the native tensor now. Views of it stay valid (they share the storage).</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>Wraps a fresh native result; on failure releases it and throws the typed exception.</summary>
    internal static Tensor Wrap(int status, TensorHandle result)
    {
        if (status != Status.Ok)
        {
            result.Dispose();
            Status.Check(status);
        }

        return new Tensor(result);
    }

    /// <summary>Like <see cref="Wrap"/> but a NULL result (e.g. no gradient) becomes null.</summary>
    internal static Tensor? WrapOptional(int status, TensorHandle result)
    {
        if (status == Status.Ok && result.IsInvalid)
        {
            result.Dispose();
            return null;
        }

        return Wrap(status, result);
    }

    internal static TensorHandle HandleOf(Tensor? t) => t is null ? TensorHandle.Null : t.Handle;

    public long Dim
    {
        get
        {
            Status.Check(NativeMethods.twa_tensor_dim(Handle, out var d));
            return d;
        }
    }

    /// <summary>The sizes of every dimension (a copy).</summary>
    public long[] Shape => (long[])ShapeView.Clone();

    private unsafe long[] ShapeView
    {
        get
        {
            if (_shape is null)
            {
                var shape = new long[Dim];
                fixed (long* p = shape)
                {
                    Status.Check(NativeMethods.twa_tensor_sizes(Handle, p, shape.Length));
                }

                _shape = shape;
            }

            return _shape;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var s = ShapeView;
        var d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {s.Length} dimension(s)");
        }

        return s[d];
    }

    public unsafe long[] Strides
    {
        get
        {
            var strides = new long[Dim];
            fixed (long* p = strides)
            {
                Status.Check(NativeMethods.twa_tensor_strides(Handle, p, strides.Length));
            }

            return strides;
        }
    }

    public long NumElements
    {
        get
        {
            Status.Check(NativeMethods.twa_tensor_numel(Handle, out var n));
            return n;
        }
    }

    public DType DType
    {
        get
        {
            Status.Check(NativeMethods.twa_tensor_dtype(Handle, out var d));
            return (DType)d;
        }
    }

    public Device Device
    {
        get
        {
            Status.Check(NativeMethods.twa_tensor_device(Handle, out var type, out var index));
            return new Device((DeviceType)type, index);
        }
    }

    public bool IsContiguous
    {
        get
        {
            Status.Check(NativeMethods.twa_tensor_is_contiguous(Handle, out var v));
            return v != 0;
        }
    }

    /// <summary>True when both tensors are views of the same storage.</summary>
    public bool SharesStorageWith(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Status.Check(NativeMethods.twa_tensor_same_storage(Handle, other.Handle, out var v));
        return v != 0;
    }

    /// <summary>Address of the first element (CPU tensors; valid while the tensor lives).</summary>
    internal IntPtr DataPointer
    {
        get
        {
            Status.Check(NativeMethods.twa_tensor_data_ptr(Handle, out var p));
            return p;
        }
    }

    /// <summary>The value of a one-element tensor as a double.</summary>
    public double Item()
    {
        Status.Check(NativeMethods.twa_tensor_item(Handle, out var v));
        return v;
    }

    /// <summary>Copies the elements (row-major, any device and layout) into a new array. <typeparamref name="T"/>
    /// must match the dtype: float/f32, double/f64, long/i64, int/i32, byte/u8, bool/bool, Half/f16,
    /// ushort/bf16 (raw bits).</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>(DType);
        var result = new T[NumElements];
        fixed (T* p = result)
        {
            Status.Check(NativeMethods.twa_tensor_to_host(Handle, p, (long)result.Length * sizeof(T)));
        }

        return result;
    }

    /// <summary>Copies the elements' bytes into <paramref name="destination"/> (exactly numel * itemsize bytes).</summary>
    public unsafe void CopyTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            Status.Check(NativeMethods.twa_tensor_to_host(Handle, p, destination.Length));
        }
    }

    internal static void CheckElementType<T>(DType dtype) where T : unmanaged
    {
        var ok = dtype switch
        {
            DType.Float32 => typeof(T) == typeof(float),
            DType.Float64 => typeof(T) == typeof(double),
            DType.Int64 => typeof(T) == typeof(long),
            DType.Int32 => typeof(T) == typeof(int),
            DType.UInt8 => typeof(T) == typeof(byte),
            DType.Bool => typeof(T) == typeof(bool) || typeof(T) == typeof(byte),
            DType.Float16 => typeof(T) == typeof(Half),
            DType.BFloat16 => typeof(T) == typeof(ushort),
            _ => false,
        };
        if (!ok)
        {
            throw new ArgumentException($"element type {typeof(T).Name} does not match the tensor's dtype {dtype}");
        }
    }

    public override string ToString()
    {
        if (IsDisposed)
        {
            return "Tensor(disposed)";
        }

        return string.Create(CultureInfo.InvariantCulture, $"Tensor[{string.Join(", ", ShapeView)}] {DType} {Device}");
    }

    internal static int Flag(bool value) => value ? 1 : 0;

    internal static unsafe IntPtr[] AddRefAll(IReadOnlyList<Tensor> tensors, out bool[] added)
    {
        var ptrs = new IntPtr[tensors.Count];
        added = new bool[tensors.Count];
        for (var i = 0; i < tensors.Count; i++)
        {
            var h = tensors[i].Handle;
            h.DangerousAddRef(ref added[i]);
            ptrs[i] = h.DangerousGetHandle();
        }

        return ptrs;
    }

    internal static void ReleaseAll(IReadOnlyList<Tensor> tensors, bool[] added)
    {
        for (var i = 0; i < tensors.Count; i++)
        {
            if (added[i])
            {
                tensors[i].Handle.DangerousRelease();
            }
        }
    }

    internal static TensorHandle AdoptRaw(IntPtr raw)
    {
        var h = new TensorHandle();
        Marshal.InitHandle(h, raw);
        return h;
    }
}
