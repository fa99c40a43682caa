namespace Twa.Jobs;

/// <summary><c>spec.training.data.augment</c>: random crop with zero padding, horizontal flip.</summary>
public sealed record AugmentSpec
{
    public int RandomCropPadding { get; init; }
    public bool HorizontalFlip { get; init; }
}
