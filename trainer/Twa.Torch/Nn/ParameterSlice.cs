namespace Twa.Torch.Nn;

/// <summary>Where a parameter lives in a <see cref="FlatParameters"/> buffer: elements
/// [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="NumElements"/>) of <see cref="FlatParameters.Flat"/>
/// (and of <see cref="FlatParameters.FlatGrad"/> for its gradient), viewed row-major as <see cref="Shape"/>.</summary>
public sealed record ParameterSlice(string Name, IReadOnlyList<long> Shape, long Offset, long NumElements);
