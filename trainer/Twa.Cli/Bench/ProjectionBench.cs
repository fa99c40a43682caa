using Twa.Torch;
using Twa.Training.Averaging;
using Twa.Training.Models;

namespace Twa.Cli.Bench;

/// <summary>
/// TWA projection throughput (DESIGN target: at least 50% of a memory-bandwidth copy at 4 bits): one rank's local
/// projection work of a centered TWA step on a ResNet-20-sized D with n = 21 snapshots, collectives excluded: the
/// coefficient gradient P̂·g and the reconstruction w = c + P̂ᵀX, exactly the calls of <see cref="CenteredTwa"/>'s fit
/// step (<see cref="QuantizedBasis.CoefficientGradient(Tensor, Tensor)"/>, <see cref="QuantizedBasis.Reconstruct(Tensor, Tensor, Tensor)"/>,
/// the fused kernels), and for comparison the unfused reference of the same products (dequantise to an n×D f32
/// tensor, then tensor ops), at 32, 16, 8 and 4 bits, against a copy of a large f32 buffer (libtorch copy_, same
/// threads) timed in the same run. The fused kernels run on this CPU's best instruction set (what training uses) and,
/// where that is AVX-512, once more on AVX2 for comparison. The step reads the basis twice (once per product), so
/// throughput = 2 · basis bytes held (n·ceil(D·bits/8)) / seconds per step. Before every timed step a buffer of at
/// least twice the size of the last-level cache (read from sysfs: 32 MiB on the AMD EPYC machines of this kind,
/// 260 MiB on the Intel Xeon ones) is read, so the basis comes from memory as it does after a forward/backward pass,
/// not from a warm cache; the copy buffer is at least that large too.
/// Copy bandwidth = bytes copied / seconds (each byte is read once and written once; STREAM's convention would count
/// both, i.e. twice this figure).
/// <para>The copy is timed interleaved with each row's steps (one copy before each timed step of the fused path, one
/// per unfused step), and each row's ratio is taken against the copies of its own window: on a shared machine the
/// bandwidth available drifts by 2x within a minute, and a single copy measurement at the start made the 4-bit ratio
/// swing between 0.4 and 0.9 from one run to the next.</para>
/// </summary>
internal static class ProjectionBench
{
    public const int Snapshots = 21;

    /// <summary>The copy buffer: at least 256 MiB of f32, and at least twice the last-level cache (<see
    /// cref="BufferBytes"/>), so the copy runs from memory.</summary>
    public const long MinCopyBytes = 256L << 20;

    /// <summary>Read before each timed step to push the basis out of the caches: at least 64 MiB, and at least twice
    /// the last-level cache.</summary>
    public const long MinEvictBytes = 64L << 20;

    /// <summary>max(<paramref name="minimum"/>, 2 × <paramref name="lastLevelCache"/>) in whole MiB (the minimum
    /// alone where the cache size is unknown). A 32 MiB L3 gives the minimums; the 260 MiB L3 of an Intel Xeon of
    /// this machine kind gives 520 MiB.</summary>
    public static long BufferBytes(long minimum, long? lastLevelCache) =>
        Math.Max(minimum, ((2 * (lastLevelCache ?? 0)) + (1L << 20) - 1) >> 20 << 20);

    /// <summary>Basis passes per step: the coefficient gradient and the reconstruction each read the basis once.</summary>
    public const int PassesPerStep = 2;

    public static ProjectionResult Run(BenchSettings settings, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        int[] widths = [32, 16, 8, 4];
        var llc = MachineFacts.LastLevelCacheBytes();
        var copyBytes = BufferBytes(MinCopyBytes, llc);
        var evictBytes = BufferBytes(MinEvictBytes, llc);
        progress.WriteLine($"twa bench: TWA projection throughput, resnet20, n = {Snapshots}, {string.Join("/", widths)} bits, fused and unfused, vs a {copyBytes >> 20} MiB copy ({evictBytes >> 20} MiB read before each step) ...");
        using var scope = new TensorScope();
        var best = PackedProjection.BestIsa; // what training uses; set per row on this thread, restored after each
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
            var evict = Tensors.Ones([evictBytes / 4]);
            var normalized = CenteredTwa.Normalize(w.Sub(center), blocks);
            var reps = settings.Quick ? 5 : 20;
            var rows = new List<ProjectionThroughput>();
            using var copySource = Tensors.Ones([copyBytes / 4]);
            using var copyTarget = Tensors.Zeros([copyBytes / 4]);
            void Copy() => copyTarget.CopyFrom(copySource);
            Copy();
            var allCopies = new List<double>();
            foreach (var bits in widths)
            {
                using var basis = QuantizedBasis.Build(normalized, blocks, ids, bits);
                void Fused()
                {
                    using var noGrad = Autograd.NoGrad();
                    basis.CoefficientGradient(g, gradX);
                    basis.Reconstruct(center, x, flat);
                }

                void Unfused()
                {
                    using var s = new TensorScope();
                    using var noGrad = Autograd.NoGrad();
                    var p = basis.Dequantize();
                    CenteredTwa.CoefficientGradient(p, g, ids, gradX);
                    flat.CopyFrom(CenteredTwa.Reconstruct(center, p, x, ids));
                }

                var bytesPerStep = PassesPerStep * basis.EntryBytes;
                var variants = new List<(string Path, ProjectionIsa Isa, Action Step, int Count)> { ("fused", best, Fused, reps) };
                if (best == ProjectionIsa.Avx512 && bits is 1 or 2 or 4 or 8)
                {
                    variants.Add(("fused", ProjectionIsa.Avx2, Fused, reps));
                }

                variants.Add(("unfused", best, Unfused, Math.Max(reps / 4, 3)));
                foreach (var (path, isa, step, count) in variants)
                {
                    var samples = new List<double>();
                    var copies = new List<double>();
                    PackedProjection.Isa = isa;
                    try
                    {
                        for (var round = 0; round < Math.Max(settings.Rounds, 1); round++)
                        {
                            samples.AddRange(ColdSeconds(evict, 2, count, step, Copy, copies));
                        }
                    }
                    finally
                    {
                        PackedProjection.Isa = best;
                    }

                    allCopies.AddRange(copies);
                    var seconds = Series.Of(samples);
                    var gbps = bytesPerStep / seconds.Median / 1e9;
                    var copyGBps = copyBytes / Series.Of(copies).Median / 1e9;
                    rows.Add(new ProjectionThroughput(bits, path, path == "fused" ? PackedProjection.NameOf(isa) : "libtorch", basis.EntryBytes, bytesPerStep, seconds, gbps,
                        bytesPerStep / seconds.Min / 1e9, copyGBps, gbps / copyGBps));
                }
            }

            var copy = Series.Of(allCopies);
            return new ProjectionResult("resnet20", d, Snapshots, 0.5, PackedProjection.NameOf(best), llc, evictBytes, copyBytes, copy, copyBytes / copy.Median / 1e9,
                copyBytes / copy.Min / 1e9, rows.ToArray());
        }
    }

    /// <summary>Like <see cref="Timing.Seconds"/>, but before every timed run times one <paramref name="copy"/> (into
    /// <paramref name="copies"/>) and then reads <paramref name="evict"/> (untimed), so the step starts with cold caches.</summary>
    private static double[] ColdSeconds(Tensor evict, int warmup, int reps, Action body, Action copy, List<double> copies)
    {
        for (var i = 0; i < warmup; i++)
        {
            body();
        }

        var samples = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            copies.Add(Timing.Seconds(0, 1, copy)[0]);
            using (var s = new TensorScope())
            {
                evict.Sum().Item();
            }

            samples[i] = Timing.Seconds(0, 1, body)[0];
        }

        return samples;
    }
}
