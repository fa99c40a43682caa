using Twa.Torch;

namespace Twa.Cli.Bench;

/// <summary>The C# side of benchmark (a): an n x n x n f32 matmul through the binding, once into a
/// fresh result (<see cref="Tensor.Mm"/>, disposed inside the timing) and once into a preallocated
/// one (<see cref="Tensors.MmOut"/>). Mirrors bench_matmul in trainer/native/bench/matmul_ref.cpp.</summary>
internal static class MatmulBench
{
    /// <summary>Seconds per timed run of each variant.</summary>
    public static (double[] Mm, double[] MmOut) Run(BenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var n = settings.MatmulN;
        LibTorch.ManualSeed(0);
        using var a = Tensors.Randn([n, n]);
        using var b = Tensors.Randn([n, n]);
        var mm = Timing.Seconds(BenchSettings.MatmulWarmup, settings.MatmulReps, () =>
        {
            using var c = a.Mm(b);
        });

        using var result = Tensors.Empty([n, n]);
        var mmOut = Timing.Seconds(BenchSettings.MatmulWarmup, settings.MatmulReps, () => Tensors.MmOut(result, a, b));
        return (mm, mmOut);
    }

    /// <summary>GFLOP/s of one n x n x n product that took <paramref name="seconds"/>.</summary>
    public static double Gflops(long n, double seconds) => 2.0 * n * n * n / seconds / 1e9;
}
