namespace Twa.Torch;

#pragma warning disable CA1720 // The members are libtorch's dtype names on purpose.

/// <summary>Element type of a tensor. Values equal the shim's TWA_DTYPE_* codes.</summary>
public enum DType
{
    UInt8 = 0,
    Int32 = 1,
    Int64 = 2,
    Float16 = 3,
    Float32 = 4,
    Float64 = 5,
    BFloat16 = 6,
    Bool = 7,
}
