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

/// <summary>A temporary directory holding a <see cref="SyntheticImages"/> dataset under "data", loaded as the splits a
/// <see cref="Twa.Training.Phases.PhaseContext"/> takes; for tests that drive the phases directly. Deletes the directory on dispose.</summary>
public sealed class SyntheticSplits : IDisposable
{
    /// <param name="prefix">Name prefix of the temporary directory.</param>
    /// <param name="trainCount">Training images written.</param>
    /// <param name="testCount">Test images written.</param>
    /// <param name="spec">The data section (its path is replaced by the dataset written here).</param>
    /// <param name="seed">Seed of the held-out split and the normalisation statistics' sample.</param>
    public SyntheticSplits(string prefix, int trainCount, int testCount, Jobs.DataSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Directory = System.IO.Directory.CreateTempSubdirectory(prefix);
        var data = System.IO.Directory.CreateDirectory(Path.Combine(Directory.FullName, "data")).FullName;
        SyntheticImages.Write(data, trainCount, testCount);
        Spec = spec with { Path = data };
        Data = DatasetCatalog.Load(Spec, 10, seed);
    }

    public DirectoryInfo Directory { get; }

    public Jobs.DataSpec Spec { get; }

    public DatasetSplits Data { get; }

    public void Dispose() => Directory.Delete(recursive: true);
}
