namespace Twa.Torch.Distributed;

/// <summary>How a reducing collective combines the ranks' elements. Values equal the shim's TWA_REDOP_* codes.</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum.</summary>
    Sum = 0,

    /// <summary>Element-wise mean: the sum divided by the group size (floating-point tensors only).</summary>
    Average = 1,

    /// <summary>Element-wise minimum.</summary>
    Min = 2,

    /// <summary>Element-wise maximum.</summary>
    Max = 3,
}
