namespace Twa.Training.Data;

/// <summary>Random crop (after zero padding) and horizontal flip, drawn per (seed, epoch, sample) so the
/// augmentation of a sample never depends on the batch or rank it lands in. Immutable.</summary>
public sealed record Augmentation(int CropPadding, bool HorizontalFlip, ulong Seed)
{
    public static Augmentation None { get; } = new(0, false, 0);

    public bool IsIdentity => CropPadding == 0 && !HorizontalFlip;

    /// <summary>Writes the augmented u8 image <paramref name="source"/> [C, H, W] into <paramref name="target"/>;
    /// pixels shifted in from outside are 0 (black), as torchvision's padded RandomCrop.</summary>
    public void Apply(ReadOnlySpan<byte> source, Span<byte> target, int channels, int height, int width, int epoch, int sample)
    {
        var rng = SplitMix64.For(Seed, 0xA06, ((ulong)(uint)epoch << 32) | (uint)sample);
        var dy = CropPadding == 0 ? 0 : rng.NextInt(2 * CropPadding + 1) - CropPadding;
        var dx = CropPadding == 0 ? 0 : rng.NextInt(2 * CropPadding + 1) - CropPadding;
        var flip = HorizontalFlip && rng.NextInt(2) == 1;
        var plane = height * width;
        for (var c = 0; c < channels; c++)
        {
            for (var y = 0; y < height; y++)
            {
                var sy = y + dy;
                for (var x = 0; x < width; x++)
                {
                    var sx = (flip ? width - 1 - x : x) + dx;
                    target[c * plane + y * width + x] =
                        sy >= 0 && sy < height && sx >= 0 && sx < width ? source[c * plane + sy * width + sx] : (byte)0;
                }
            }
        }
    }
}
