using System.Globalization;
using Twa.Torch;

namespace Twa.Cli;

/// <summary>
/// The threads of a training process (`twa train`, `twa worker`, and the training-step benchmarks): libtorch's
/// intra-op pool gets the threads asked for; OpenBLAS's own pthread pool gets <c>OPENBLAS_NUM_THREADS</c> when that is
/// set, else 1, so the BLAS runs in the calling thread.
/// <para>Why 1: libtorch's OpenMP workers spin for a while after every parallel region, and on a few cores they hold the
/// cores an OpenBLAS worker is waiting for. Measured on the 2-core dev VM (2 intra-op threads): a LeNet-5 base epoch
/// took 7.3-9.9 s with OpenBLAS at 2 threads and 3.9-4.7 s at 1; PyTorch's own loop, 20-22 ms per step against
/// 8-11 ms. ResNet-20 (its convolutions go through oneDNN) and a small ViT step the same within noise either way.</para>
/// </summary>
internal static class TrainingThreads
{
    public const string BlasVariable = "OPENBLAS_NUM_THREADS";

    /// <summary>Sets libtorch's intra-op threads to <paramref name="threads"/> and OpenBLAS's pool per
    /// <see cref="BlasThreadsFor"/> of the process environment.</summary>
    public static void Apply(int threads)
    {
        LibTorch.NumThreads = threads;
        LibTorch.SetBlasThreads(BlasThreadsFor(Environment.GetEnvironmentVariable(BlasVariable)));
    }

    /// <summary>OpenBLAS's threads for a value of <c>OPENBLAS_NUM_THREADS</c>: a positive integer is kept, anything else
    /// (unset, empty, 0, not a number; OpenBLAS itself would then take every core) gives 1.</summary>
    public static int BlasThreadsFor(string? variable) =>
        int.TryParse(variable, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
}
