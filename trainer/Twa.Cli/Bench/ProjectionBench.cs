using Twa.Torch;
using Twa.Training.Averaging;
using Twa.Training.Models;

namespace Twa.Cli.Bench;

/// <summary>
/// TWA projection throughput (DESIGN target: at least 50% of a memory-bandwidth copy at 4 bits): one rank's local
/// projection work of a centered TWA step on a ResNet-20-sized D with n = 21 snapshots (dequantize the basis, the
/// coefficient gradient P g, and the reconstruction of the weights from the coefficients, exactly the calls of
/// <see cref="CenteredTwa"/>'s fit step, collectives excluded), at 32 and 4 bits, against a copy of a large f32 buffer
/// (libtorch copy_, same threads) timed in the same run. Throughput = basis bytes held (n·D·bits/8) / seconds per
/// step; copy bandwidth = bytes copied / seconds (each byte read once and written once).
/// </summary>
internal static class ProjectionBench
{
    public const int Snapshots = 21;

    /// <summary>The copy buffer: 256 MiB of f32, far beyond the caches.</summary>
    public const long CopyBytes = 256L << 20;

    public static ProjectionResult Run(BenchSettings settings, TextWriter progress)
    {
        progress.WriteLine($"twa bench: TWA projection throughput, resnet20, n = {Snapshots}, 32 and 4 bits vs a {CopyBytes >> 20} MiB copy ...");
        using var scope = new TensorScope();
        long d;
        using (var model = ModelFactory.Create("resnet20", [3, 32, 32], 10))
        {
            d = model.Parameters.NumElements;
            using var gen = new Generator(3);
            var w = Tensors.Randn([Snapshots, d], gen).Mul(0.01);
            var center = w.Mean([0]);
            var blocks = BlockPartition.Sizes(model.Parameters.Slices.Select(s => s.NumElements).ToArray(), 0);
            var ids = BlockPartition.ColumnBlockIds(blocks, Device.Cpu);
            var g = Tensors.Randn([d], gen);
            var x = Tensors.Randn([Snapshots, blocks.Length], gen).Mul(0.1);
            var gradX = Tensors.Zeros([Snapshots, blocks.Length]);
            var flat = Tensors.Zeros([d]);
            var normalized = CenteredTwa.Normalize(w.Sub(center), blocks);
            var reps = settings.Quick ? 5 : 20;
            var rows = new List<ProjectionThroughput>();
            var copy = CopySeconds(settings, reps);
            var copyGBps = CopyBytes / copy.Median / 1e9;
            foreach (var bits in new[] { 32, 4 })
            {
                using var basis = QuantizedBasis.Build(normalized, blocks, ids, bits);
                void Step()
                {
                    using var s = new TensorScope();
                    using var noGrad = Autograd.NoGrad();
                    var p = basis.Dequantize();
                    CenteredTwa.CoefficientGradient(p, g, ids, gradX);
                    flat.CopyFrom(CenteredTwa.Reconstruct(center, p, x, ids));
                }

                var samples = new List<double>();
                for (var round = 0; round < Math.Max(settings.Rounds, 1); round++)
                {
                    samples.AddRange(Timing.Seconds(2, reps, Step));
                }

                var seconds = Series.Of(samples);
                var gbps = basis.EntryBytes / seconds.Median / 1e9;
                rows.Add(new ProjectionThroughput(bits, basis.EntryBytes, seconds, gbps, basis.EntryBytes / seconds.Min / 1e9, gbps / copyGBps));
            }

            return new ProjectionResult("resnet20", d, Snapshots, 0.5, CopyBytes, copy, copyGBps, CopyBytes / copy.Min / 1e9, rows.ToArray());
        }
    }

    private static Series CopySeconds(BenchSettings settings, int reps)
    {
        using var source = Tensors.Ones([CopyBytes / 4]);
        using var target = Tensors.Zeros([CopyBytes / 4]);
        var samples = new List<double>();
        for (var round = 0; round < Math.Max(settings.Rounds, 1); round++)
        {
            samples.AddRange(Timing.Seconds(1, Math.Max(reps / 4, 3), () => target.CopyFrom(source)));
        }

        return Series.Of(samples);
    }
}
