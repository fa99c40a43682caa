using System.Buffers;
using System.Numerics;
using Twa.Torch;

namespace Twa.Training.Data;

/// <summary>
/// Images and labels held in memory as u8 pixels [N, C, H, W] and i64 labels [N] (row-major host
/// arrays: a dataset is shared read-only by every epoch, rank and phase). Batches are materialised
/// as normalised f32 tensors on demand. Immutable; thread-safe.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, long[] labels, int channels, int height, int width, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (pixels.LongLength != (long)labels.Length * channels * height * width)
        {
            throw new ArgumentException($"pixels hold {pixels.LongLength} bytes but {labels.Length} images of {channels}x{height}x{width} need {(long)labels.Length * channels * height * width}");
        }

        if (labels.Any(l => l < 0 || l >= numClasses))
        {
            throw new ArgumentException($"a label is outside [0, {numClasses})");
        }

        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        NumClasses = numClasses;
    }

    public byte[] Pixels { get; }
    public long[] Labels { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int NumClasses { get; }
    public int Count => Labels.Length;
    public int ImageBytes => Channels * Height * Width;

    /// <summary>The images at <paramref name="indices"/> as a new subset (copies).</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var pixels = new byte[(long)indices.Count * ImageBytes];
        var labels = new long[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * ImageBytes, pixels, (long)i * ImageBytes, ImageBytes);
            labels[i] = Labels[indices[i]];
        }

        return new ImageSet(pixels, labels, Channels, Height, Width, NumClasses);
    }

    /// <summary>Per-channel mean and standard deviation of the pixels scaled to [0, 1].</summary>
    public (double[] Mean, double[] Std) ChannelStatistics()
    {
        var mean = new double[Channels];
        var std = new double[Channels];
        var plane = Height * Width;
        for (var c = 0; c < Channels; c++)
        {
            double sum = 0, sum2 = 0;
            for (var n = 0; n < Count; n++)
            {
                var start = (long)n * ImageBytes + (long)c * plane;
                for (var k = 0; k < plane; k++)
                {
                    var v = Pixels[start + k] / 255.0;
                    sum += v;
                    sum2 += v * v;
                }
            }

            var total = (double)Count * plane;
            mean[c] = sum / total;
            std[c] = Math.Sqrt(Math.Max(sum2 / total - mean[c] * mean[c], 1e-12));
        }

        return (mean, std);
    }

    /// <summary>Images <paramref name="indices"/> as a new f32 tensor [B, C, H, W] owned by the caller (or the
    /// current scope): (pixel / 255 - mean[c]) / std[c], after <paramref name="augmentation"/> (drawn for
    /// <paramref name="epoch"/>); plus their labels as i64 [B].</summary>
    public (Tensor Images, Tensor Labels) Batch(ReadOnlySpan<int> indices, double[] mean, double[] std, Device device,
        Augmentation? augmentation = null, int epoch = 0)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        var b = indices.Length;
        var count = b * ImageBytes;
        // A batch buffer is ~400 KB for Fashion-MNIST at batch 128: renting it keeps the large-object heap (and
        // the gen-2 collections it triggers) out of the training loop. The tensor gets its own copy.
        var data = ArrayPool<float>.Shared.Rent(count);
        var labels = new long[b];
        var plane = Height * Width;
        var augment = augmentation is { IsIdentity: false };
        var scratch = augment ? new byte[ImageBytes] : [];
        try
        {
            for (var i = 0; i < b; i++)
            {
                ReadOnlySpan<byte> source = Pixels.AsSpan((int)((long)indices[i] * ImageBytes), ImageBytes);
                if (augment)
                {
                    augmentation!.Apply(source, scratch, Channels, Height, Width, epoch, indices[i]);
                    source = scratch;
                }

                var dst = data.AsSpan(i * ImageBytes, ImageBytes);
                for (var c = 0; c < Channels; c++)
                {
                    var scale = (float)(1.0 / (255.0 * std[c]));
                    var shift = (float)(mean[c] / std[c]);
                    Normalize(source.Slice(c * plane, plane), dst.Slice(c * plane, plane), scale, shift);
                }

                labels[i] = Labels[indices[i]];
            }

            var images = Tensors.FromSpan<float>(data.AsSpan(0, count), DType.Float32, [b, Channels, Height, Width], device);
            return (images, Tensors.FromArray<long>(labels, [b], device));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(data);
        }
    }

    /// <summary>dst[k] = src[k] * scale - shift in f32 (two roundings, the same as the scalar expression), vectorised.</summary>
    private static void Normalize(ReadOnlySpan<byte> source, Span<float> destination, float scale, float shift)
    {
        var k = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
        {
            var vScale = new Vector<float>(scale);
            var vShift = new Vector<float>(shift);
            var floatsPerVector = Vector<float>.Count;
            for (; k <= source.Length - Vector<byte>.Count; k += Vector<byte>.Count)
            {
                Vector.Widen(new Vector<byte>(source.Slice(k)), out var lo16, out var hi16);
                Vector.Widen(lo16, out var a, out var b);
                Vector.Widen(hi16, out var c, out var d);
                var o = destination.Slice(k);
                (Vector.ConvertToSingle(Vector.AsVectorInt32(a)) * vScale - vShift).CopyTo(o);
                (Vector.ConvertToSingle(Vector.AsVectorInt32(b)) * vScale - vShift).CopyTo(o.Slice(floatsPerVector));
                (Vector.ConvertToSingle(Vector.AsVectorInt32(c)) * vScale - vShift).CopyTo(o.Slice(2 * floatsPerVector));
                (Vector.ConvertToSingle(Vector.AsVectorInt32(d)) * vScale - vShift).CopyTo(o.Slice(3 * floatsPerVector));
            }
        }

        for (; k < source.Length; k++)
        {
            destination[k] = source[k] * scale - shift;
        }
    }
}
