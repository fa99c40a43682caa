namespace Twa.Torch.Nn;

/// <summary>A parameter to allocate in a <see cref="FlatParameters"/> buffer: its state_dict name (PyTorch's
/// naming, e.g. "conv1.weight", "layer1.0.bn1.bias") and shape.</summary>
public sealed record ParameterSpec(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>Product of the shape (1 for a 0-d parameter).</summary>
    public long NumElements => Shape.Aggregate(1L, (n, d) => checked(n * d));
}
