namespace Twa.Torch.Nn;

/// <summary>A (height, width) pair for 2-D kernels, strides and paddings; an integer converts to a square pair.</summary>
public readonly record struct Size2(long H, long W)
{
    public static implicit operator Size2(long both) => new(both, both);

    public static Size2 FromInt64(long both) => new(both, both);
}
