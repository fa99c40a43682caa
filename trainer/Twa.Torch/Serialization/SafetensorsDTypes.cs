using System.Diagnostics.CodeAnalysis;

namespace Twa.Torch.Serialization;

/// <summary>The safetensors dtype names, their element sizes, their position in the reference implementation's
/// <c>Dtype</c> enum (which its writer sorts by, descending) and their mapping to <see cref="DType"/>.</summary>
internal static class SafetensorsDTypes
{
    private static readonly Dictionary<string, (int Size, int Rank, DType? DType)> s_byName = new(StringComparer.Ordinal)
    {
        // Declaration order of safetensors::tensor::Dtype ("MUST be in increasing alignment order").
        ["BOOL"] = (1, 0, Torch.DType.Bool),
        ["U8"] = (1, 1, Torch.DType.UInt8),
        ["I8"] = (1, 2, null),
        ["F8_E5M2"] = (1, 3, null),
        ["F8_E4M3"] = (1, 4, null),
        ["I16"] = (2, 5, null),
        ["U16"] = (2, 6, null),
        ["F16"] = (2, 7, Torch.DType.Float16),
        ["BF16"] = (2, 8, Torch.DType.BFloat16),
        ["I32"] = (4, 9, Torch.DType.Int32),
        ["U32"] = (4, 10, null),
        ["F32"] = (4, 11, Torch.DType.Float32),
        ["F64"] = (8, 12, Torch.DType.Float64),
        ["I64"] = (8, 13, Torch.DType.Int64),
        ["U64"] = (8, 14, null),
    };

    /// <summary>The names that map to a <see cref="DType"/>, for error messages.</summary>
    public static string SupportedNames => "BOOL, U8, F16, BF16, I32, F32, F64, I64";

    /// <summary>Looks up a dtype name of the format (case-sensitive, as the reference).</summary>
    public static bool TryGet(string name, out int elementSize, out DType? dtype)
    {
        if (s_byName.TryGetValue(name, out var info))
        {
            elementSize = info.Size;
            dtype = info.DType;
            return true;
        }

        elementSize = 0;
        dtype = null;
        return false;
    }

    public static string NameOf(DType dtype) => dtype switch
    {
        DType.Bool => "BOOL",
        DType.UInt8 => "U8",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int32 => "I32",
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int64 => "I64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "dtype has no safetensors name"),
    };

    /// <summary>Position in the reference enum; the reference writer orders tensors by this, descending.</summary>
    public static int RankOf(string name) => s_byName[name].Rank;

    public static bool IsKnown([NotNullWhen(true)] string? name) => name is not null && s_byName.ContainsKey(name);
}
