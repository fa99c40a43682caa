namespace Twa.Torch.Tests;

/// <summary>Process-wide facts of the shim: its own parallel loop really runs on several threads, and device memory
/// reads follow the allocations. Sets the thread count and measures the process's memory, so it runs alone.</summary>
[Collection(nameof(MemorySensitive))]
public sealed class LibTorchProcessTests
{
    [Fact]
    public void ParallelProbe_TwoThreads_RunsOnTwoThreads()
    {
        var before = LibTorch.NumThreads;
        try
        {
            LibTorch.NumThreads = 2;
            // The shim was once built without -fopenmp: libtorch's at::parallel_for is a header template, so its
            // `#pragma omp parallel` was dropped from our code and the projection kernels ran on one thread.
            Assert.Equal(2, LibTorch.ParallelProbe(16));
            LibTorch.NumThreads = 1;
            Assert.Equal(1, LibTorch.ParallelProbe(16));
        }
        finally
        {
            LibTorch.NumThreads = before;
        }
    }

    [Fact]
    public void BlasThreads_AreSetApartFromTheIntraOpThreads()
    {
        // The Makefile installs libopenblas0-pthread (DESIGN: the reference BLAS is 35x slower), so OpenBLAS is loaded.
        var threads = LibTorch.NumThreads;
        var blas = LibTorch.BlasThreads;
        Assert.NotNull(blas);
        try
        {
            Assert.True(LibTorch.SetBlasThreads(1));
            Assert.Equal(1, LibTorch.BlasThreads);
            Assert.True(LibTorch.SetBlasThreads(2));
            Assert.Equal(2, LibTorch.BlasThreads);
            // libtorch's pool no longer drags OpenBLAS's along (it did: both pools busy on few cores halved LeNet's speed).
            LibTorch.NumThreads = 1;
            Assert.Equal(2, LibTorch.BlasThreads);
            Assert.Throws<ArgumentOutOfRangeException>(() => LibTorch.SetBlasThreads(0));
        }
        finally
        {
            LibTorch.NumThreads = threads;
            LibTorch.SetBlasThreads(blas.Value);
        }
    }

    [Fact]
    public void ParallelProbe_NoItems_IsAnArgumentError()
    {
        var e = Assert.Throws<ArgumentException>(() => LibTorch.ParallelProbe(0));
        Assert.Contains("items must be >= 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemoryOf_Cpu_CountsA64MiBTensorWhileItLives()
    {
        const long size = 64L << 20;
        var before = LibTorch.MemoryOf(Device.Cpu);
        long during;
        using (var t = Tensors.Ones([size / 4]))
        {
            during = LibTorch.MemoryOf(Device.Cpu).Allocated;
        }

        var after = LibTorch.MemoryOf(Device.Cpu);
        Assert.InRange(during - before.Allocated, size, size + (8L << 20));
        Assert.InRange(during - after.Allocated, size - (8L << 20), size + (8L << 20));
        Assert.InRange(after.Reserved, 1, after.Total);
        Assert.True(after.Total >= 1L << 30, $"total {after.Total}: less than 1 GiB of memory available?");
    }

    [Fact]
    public void MemoryOf_CudaOnACpuBuild_NamesTheMissingCuda()
    {
        if (LibTorch.CudaDeviceCount > 0)
        {
            var m = LibTorch.MemoryOf(Device.Cuda(0));
            Assert.InRange(m.Allocated, 0, m.Reserved);
            Assert.True(m.Total > 0);
            return;
        }

        var e = Assert.Throws<ArgumentException>(() => LibTorch.MemoryOf(Device.Cuda(0)));
        Assert.Contains("without CUDA", e.Message, StringComparison.Ordinal);
    }
}
