namespace Twa.Torch;

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.UInt8 or DType.Bool => 1,
        DType.Float16 or DType.BFloat16 => 2,
        DType.Int32 or DType.Float32 => 4,
        DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for the floating-point types (f16, bf16, f32, f64).</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float16 or DType.BFloat16 or DType.Float32 or DType.Float64;
}
