using Twa.Torch;

namespace Twa.Cli.Tests;

/// <summary>The thread set-up of training processes: OpenBLAS on 1 thread unless OPENBLAS_NUM_THREADS says otherwise.
/// In the collection of the benches: it changes this process's OpenBLAS pool, which the TWA step bench times.</summary>
[Collection(LocalWorkers.Name)]
public sealed class TrainingThreadsTests
{
    [Theory]
    [InlineData(null, 1)]
    [InlineData("", 1)]
    [InlineData("0", 1)]
    [InlineData("-2", 1)]
    [InlineData("two", 1)]
    [InlineData("1", 1)]
    [InlineData("3", 3)]
    public void BlasThreadsFor_KeepsAPositiveCountElseOne(string? variable, int expected) =>
        Assert.Equal(expected, TrainingThreads.BlasThreadsFor(variable));

    [Fact]
    public void Apply_SetsIntraOpThreadsAndOpenBlasPerTheEnvironment()
    {
        var threads = LibTorch.NumThreads;
        var blas = LibTorch.BlasThreads ?? throw new InvalidOperationException("OpenBLAS is not loaded (the Makefile installs libopenblas0-pthread)");
        try
        {
            LibTorch.SetBlasThreads(blas + 1);
            TrainingThreads.Apply(threads);

            Assert.Equal(threads, LibTorch.NumThreads);
            Assert.Equal(TrainingThreads.BlasThreadsFor(Environment.GetEnvironmentVariable(TrainingThreads.BlasVariable)), LibTorch.BlasThreads);
        }
        finally
        {
            LibTorch.SetBlasThreads(blas);
        }
    }
}
