using Twa.Training.Data;

namespace Twa.Cli.Tests;

/// <summary>Small jobs for the multi-worker tests: noisy 28×28 images of 10 classes (a bar whose row is the class, so
/// the accuracy is not 100%) and a TwaJob YAML training an MLP on them.</summary>
internal static class TestJobs
{
    public static void WriteImages(string directory, int trainCount = 300, int testCount = 100)
    {
        var rng = new Random(7);
        foreach (var (prefix, n) in new[] { ("train", trainCount), ("t10k", testCount) })
        {
            var pixels = new byte[n * 784];
            var labels = new byte[n];
            for (var i = 0; i < n; i++)
            {
                labels[i] = (byte)(i % 10);
                for (var p = 0; p < 784; p++)
                {
                    var bar = p / 28 >= 2 + 2 * labels[i] && p / 28 < 4 + 2 * labels[i];
                    pixels[i * 784 + p] = (byte)Math.Clamp((bar ? 110 : 70) + rng.Next(-90, 90), 0, 255);
                }
            }

            IdxFile.Write(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), [n, 28, 28], pixels);
            IdxFile.Write(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"), [n], labels);
        }
    }

    /// <summary>Writes a job (MLP, 2 base epochs, then the given <c>twa</c> block) into <paramref name="directory"/>.</summary>
    public static async Task<string> WriteAsync(string directory, string data, string twa, int twaEpochs = 1, int batchSize = 25)
    {
        var path = Path.Combine(directory, $"job-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, $$"""
            apiVersion: twa.dev/v1alpha1
            kind: TwaJob
            metadata: {name: workers}
            spec:
              training:
                seed: 4
                model: {arch: mlp}
                data: {path: {{data}}, batchSize: {{batchSize}}, holdoutFraction: 0.1 }
                base: {epochs: 2, optimizer: {lr: 0.05} }
                twa:
                  {{twa}}
                  epochs: {{twaEpochs}}
            """);
        return path;
    }

    public static double[] Coefficients(System.Text.Json.Nodes.JsonNode metrics) =>
        metrics["twa"]!["coefficients"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    public static double RelativeDifference(double[] x, double[] y)
    {
        Assert.Equal(x.Length, y.Length);
        return Math.Sqrt(x.Zip(y, (p, q) => (p - q) * (p - q)).Sum()) / Math.Sqrt(x.Sum(p => p * p));
    }
}
