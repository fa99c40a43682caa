using System.Diagnostics;
using Twa.Torch;
using Twa.Torch.Nn;
using Xunit.Abstractions;

namespace Twa.Torch.Tests;

/// <summary>Deterministic lifetime: scopes free temporaries, the live-tensor counter returns to its
/// baseline, and a long training-like loop does not grow the process.</summary>
[Collection(nameof(MemorySensitive))]
public sealed class LifetimeTests(ITestOutputHelper output)
{
    [Fact]
    public void TensorScope_Dispose_FreesEverythingCreatedInside()
    {
        var baseline = LiveTensors.Settle();
        using (var scope = new TensorScope())
        {
            using var a = Tensors.Ones([3]);
            _ = a.Add(1.0).Mul(2.0).Exp();
            Assert.True(LibTorch.LiveTensorCount >= baseline + 4);
        }

        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }

    [Fact]
    public void TensorScope_DetachAndMoveToOuter_KeepResultsAlive()
    {
        var baseline = LiveTensors.Settle();
        Tensor kept;
        Tensor moved;
        using (var outer = new TensorScope())
        {
            using (var inner = new TensorScope())
            {
                kept = inner.Detach(Tensors.Full([2], 3.0));
                moved = inner.MoveToOuter(Tensors.Full([2], 4.0));
                _ = Tensors.Zeros([5]);
            }

            Assert.False(kept.IsDisposed);
            Assert.False(moved.IsDisposed);
            Assert.Equal(new float[] { 4, 4 }, moved.ToArray<float>());
        }

        Assert.True(moved.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 3, 3 }, kept.ToArray<float>());
        kept.Dispose();
        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }

    [Fact]
    public void TensorScope_DisposedOutOfOrder_Throws()
    {
        var outer = new TensorScope();
        var inner = new TensorScope();
        Assert.Throws<InvalidOperationException>(outer.Dispose);
        inner.Dispose();
        outer.Dispose();
    }

    [Fact]
    public void TrainingLoop_100kIterations_NoLeakAndRssGrowthUnder20MB()
    {
        const int iterations = 100_000;
        var gen = new Generator(1);
        using var w1 = Tensors.Randn([16, 8], gen).Mul(0.1);
        using var w2 = Tensors.Randn([4, 16], gen).Mul(0.1);
        w1.RequiresGrad = true;
        w2.RequiresGrad = true;
        using var x = Tensors.Randn([32, 8], gen);
        using var y = Tensors.RandInt(0, 4, [32], gen);

        void Step()
        {
            using var scope = new TensorScope();
            var loss = Functional.CrossEntropy(Functional.Linear(Functional.Linear(x, w1).Relu(), w2), y);
            loss.Backward();
            using (Autograd.NoGrad())
            {
                w1.SubInPlace(w1.Grad!, 1e-3);
                w2.SubInPlace(w2.Grad!, 1e-3);
                w1.Grad!.ZeroInPlace();
                w2.Grad!.ZeroInPlace();
            }
        }

        for (var i = 0; i < 2_000; i++)
        {
            Step(); // warm-up: allocator pools, JIT, autograd caches
        }

        // Both readings follow a full collection (Settle, CollectGarbage). What the managed heap keeps committed after
        // it is not a leak of ours and is taken out: the GC sizes its gen0 budget by the last-level cache, so on a
        // machine with a 260 MiB L3 it keeps ~60 MB more committed after 100k steps than on one with 32 MiB (the RSS
        // grew 62-65 MB there, of which 58 MB was the GC's). Native memory the loop leaks grows the rest.
        var baseline = LiveTensors.Settle();
        var (rssBefore, gcBefore) = (Rss(), GcCommitted());
        for (var i = 0; i < iterations; i++)
        {
            Step();
        }

        var live = LibTorch.LiveTensorCount; // every step's scope disposed its tensors: no finalizer needed
        CollectGarbage();
        var (rssGrowthMb, gcGrowthMb) = ((Rss() - rssBefore) / (1024.0 * 1024.0), (GcCommitted() - gcBefore) / (1024.0 * 1024.0));
        var growthMb = rssGrowthMb - gcGrowthMb;
        output.WriteLine($"{iterations} iterations: RSS growth {rssGrowthMb:F2} MB, of which the GC's committed memory {gcGrowthMb:F2} MB; " +
                         $"the rest {growthMb:F2} MB; live tensors {live} (baseline {baseline})");
        Assert.Equal(baseline, live);
        Assert.True(growthMb < 20, $"RSS grew by {rssGrowthMb:F1} MB over {iterations} iterations, {growthMb:F1} MB of it outside the managed heap");
        gen.Dispose();
    }

    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Bytes the GC has committed, as of the last collection (call after <see cref="CollectGarbage"/>).</summary>
    private static long GcCommitted() => GC.GetGCMemoryInfo().TotalCommittedBytes;

    private static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}

