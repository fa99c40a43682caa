namespace Twa.Torch.Nn;

/// <summary>Options of <see cref="Functional.Conv2d"/>, mirroring torch::nn::functional::Conv2dFuncOptions.</summary>
public sealed record Conv2dOptions
{
    public Size2 Stride { get; init; } = 1;
    public Size2 Padding { get; init; } = 0;
    public Size2 Dilation { get; init; } = 1;
    public long Groups { get; init; } = 1;

    public static Conv2dOptions Default { get; } = new();
}
