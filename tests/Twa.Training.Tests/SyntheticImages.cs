using Twa.Training.Data;

namespace Twa.Training.Tests;

/// <summary>A small learnable IDX dataset (28×28, 10 classes: a bright bar whose position is the class, plus
/// noise) so whole runs take seconds.</summary>
public static class SyntheticImages
{
    public static void Write(string directory, int trainCount = 600, int testCount = 200, int seed = 0)
    {
        var rng = new Random(seed);
        foreach (var (prefix, n) in new[] { ("train", trainCount), ("t10k", testCount) })
        {
            var pixels = new byte[n * 28 * 28];
            var labels = new byte[n];
            for (var i = 0; i < n; i++)
            {
                var label = i % 10;
                labels[i] = (byte)label;
                for (var p = 0; p < 28 * 28; p++)
                {
                    var row = p / 28;
                    var bar = row >= 2 + 2 * label && row < 4 + 2 * label;
                    pixels[i * 784 + p] = (byte)Math.Clamp((bar ? 180 : 30) + rng.Next(-30, 30), 0, 255);
                }
            }

            IdxFile.Write(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), [n, 28, 28], pixels);
            IdxFile.Write(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), [n], labels);
        }
    }
}
