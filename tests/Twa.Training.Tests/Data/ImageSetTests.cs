using Twa.Torch;
using Twa.Training.Data;

namespace Twa.Training.Tests.Data;

public sealed class ImageSetTests
{
    [Theory]
    [InlineData(1, 28, 28, 128)]   // Fashion-MNIST shape: the vectorised path plus a scalar tail per plane
    [InlineData(3, 32, 32, 5)]     // CIFAR shape, several channels
    [InlineData(1, 3, 5, 7)]       // planes shorter than one vector: scalar path only
    public void Batch_Normalises_BitwiseAsTheScalarFormula(int channels, int height, int width, int count)
    {
        var rng = new Random(channels * 1000 + height);
        var pixels = new byte[count * channels * height * width];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, count).Select(i => (long)(i % 10)).ToArray();
        var set = new ImageSet(pixels, labels, channels, height, width, 10);
        double[] mean = [.. Enumerable.Range(0, channels).Select(c => 0.2860 + 0.1 * c)];
        double[] std = [.. Enumerable.Range(0, channels).Select(c => 0.3530 - 0.05 * c)];
        int[] indices = [.. Enumerable.Range(0, count).Reverse()];

        using var scope = new TensorScope();
        var (images, y) = set.Batch(indices, mean, std, Device.Cpu);

        Assert.Equal([count, channels, height, width], images.Shape);
        var actual = images.ToArray<float>();
        var plane = height * width;
        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                var scale = (float)(1.0 / (255.0 * std[c]));
                var shift = (float)(mean[c] / std[c]);
                for (var k = 0; k < plane; k++)
                {
                    var p = pixels[(indices[i] * channels + c) * plane + k];
                    var expected = p * scale - shift;
                    var got = actual[(i * channels + c) * plane + k];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(got),
                        $"image {i} channel {c} pixel {k}: {got} != {expected}");
                }
            }
        }

        Assert.Equal(indices.Select(i => labels[i]), y.ToArray<long>());
    }
}
