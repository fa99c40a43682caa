using System.Runtime.InteropServices;
using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>Tensor creation and library-wide settings. Every created tensor is owned by the caller (or
/// the current <see cref="TensorScope"/>).</summary>
public static class Tensors
{
    private static unsafe Tensor Create(int kind, ReadOnlySpan<long> shape, DType dtype, Device? device, bool requiresGrad)
    {
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            return Tensor.Wrap(
                NativeMethods.twa_tensor_new(kind, p, shape.Length, (int)dtype, (int)d.Type, d.Index, Tensor.Flag(requiresGrad), out var r), r);
        }
    }

    /// <summary>Uninitialised memory.</summary>
    public static Tensor Empty(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(0, shape, dtype, device, requiresGrad);

    public static Tensor Zeros(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(1, shape, dtype, device, requiresGrad);

    public static Tensor Ones(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(2, shape, dtype, device, requiresGrad);

    public static unsafe Tensor Full(ReadOnlySpan<long> shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            return Tensor.Wrap(NativeMethods.twa_tensor_full(p, shape.Length, value, (int)dtype, (int)d.Type, d.Index, out var r), r);
        }
    }

    /// <summary>A new tensor holding a copy of <paramref name="data"/>; the dtype follows <typeparamref name="T"/>
    /// (float, double, long, int, byte, bool, Half). The shape defaults to 1-D.</summary>
    public static Tensor FromArray<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape = default, Device? device = null) where T : unmanaged =>
        FromSpan(data, DTypeOf<T>(), shape.IsEmpty && data.Length != 1 ? [data.Length] : shape, device);

    /// <summary>A 0-d (scalar) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    /// <summary>A new tensor from raw elements of <paramref name="dtype"/> (e.g. ushort bits for bf16).</summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, DType dtype, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged
    {
        var d = device ?? Device.Cpu;
        var bytes = MemoryMarshal.AsBytes(data);
        fixed (byte* pd = bytes)
        fixed (long* ps = shape)
        {
            return Tensor.Wrap(
                NativeMethods.twa_tensor_from_data(pd, bytes.Length, ps, shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
        }
    }

    internal static DType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        throw new ArgumentException($"no tensor dtype for element type {typeof(T).Name}; use FromSpan with an explicit dtype");
    }

    /// <summary>Values from <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(NativeMethods.twa_tensor_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    public static Tensor Eye(long n, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(NativeMethods.twa_tensor_eye(n, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    private static unsafe Tensor Random(int kind, ReadOnlySpan<long> shape, Generator? generator, DType dtype, Device? device)
    {
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            return Tensor.Wrap(
                NativeMethods.twa_tensor_random(kind, p, shape.Length, (int)dtype, (int)d.Type, d.Index, Generator.HandleOf(generator), out var r), r);
        }
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(0, shape, generator, dtype, device);

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(1, shape, generator, dtype, device);

    /// <summary>Integers in [low, high) as i64.</summary>
    public static unsafe Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, Generator? generator = null, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            return Tensor.Wrap(
                NativeMethods.twa_tensor_randint(low, high, p, shape.Length, (int)d.Type, d.Index, Generator.HandleOf(generator), out var r), r);
        }
    }

    /// <summary>A random permutation of 0..n-1 as i64.</summary>
    public static Tensor RandPerm(long n, Generator? generator = null, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(NativeMethods.twa_tensor_randperm(n, (int)d.Type, d.Index, Generator.HandleOf(generator), out var r), r);
    }

    /// <summary>Elementwise choice: <paramref name="a"/> where <paramref name="condition"/>, else <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Tensor.Wrap(NativeMethods.twa_tensor_where(condition.Handle, a.Handle, b.Handle, out var r), r);

    /// <summary>beta * c + alpha * (a @ b).</summary>
    public static Tensor Addmm(Tensor c, Tensor a, Tensor b, double beta = 1, double alpha = 1) =>
        Tensor.Wrap(NativeMethods.twa_tensor_addmm(c.Handle, a.Handle, b.Handle, beta, alpha, out var r), r);

    /// <summary>Writes a @ b into <paramref name="result"/> without allocating.</summary>
    public static void MmOut(Tensor result, Tensor a, Tensor b) =>
        Status.Check(NativeMethods.twa_tensor_mm_out(result.Handle, a.Handle, b.Handle));

    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: false);

    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: true);

    private static unsafe Tensor Combine(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var ptrs = Tensor.AddRefAll(tensors, out var added);
        try
        {
            fixed (IntPtr* p = ptrs)
            {
                var status = stack
                    ? NativeMethods.twa_tensor_stack(p, ptrs.Length, dim, out var r)
                    : NativeMethods.twa_tensor_cat(p, ptrs.Length, dim, out r);
                return Tensor.Wrap(status, r);
            }
        }
        finally
        {
            Tensor.ReleaseAll(tensors, added);
        }
    }
}
