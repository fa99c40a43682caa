namespace Twa.Jobs;

/// <summary><c>spec.training.data</c>. <see cref="BatchSize"/> is the GLOBAL batch, split over the ranks.</summary>
public sealed record DataSpec
{
    public const string DefaultFashionMnistPath = "/usr/share/datasets/fashion-mnist";

    public DataFormat Format { get; init; } = DataFormat.Idx;
    public string Path { get; init; } = DefaultFashionMnistPath;
    public int BatchSize { get; init; } = 128;

    /// <summary>Fraction of the training set held out (TWA-v); 0 = none.</summary>
    public double HoldoutFraction { get; init; }

    public AugmentSpec Augment { get; init; } = new();
}
