using System.Runtime.InteropServices;
using Twa.Torch;

namespace Twa.Torch.Tests;

/// <summary>A <see cref="TensorMemory"/> lease keeps the tensor's storage alive, and releases it when disposed.</summary>
[Collection(nameof(MemorySensitive))]
public sealed class TensorMemoryLifetimeTests
{
    [Fact]
    public void LeaseBytes_TensorDisposedFirst_StorageLivesUntilTheLeaseIsDisposed()
    {
        var baseline = LiveTensors.Settle();
        var t = Tensors.Full([1024], 3.0);
        var lease = t.LeaseBytes();
        Assert.Equal(baseline + 2, LibTorch.LiveTensorCount); // the tensor and the lease's own handle
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Equal(baseline + 1, LibTorch.LiveTensorCount);
        Assert.All(MemoryMarshal.Cast<byte, float>(lease.GetSpan()).ToArray(), v => Assert.Equal(3f, v));
        lease.Dispose();
        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }

    [Fact]
    public void LeaseBytes_InsideATensorScope_LeaseOutlivesTheScope()
    {
        var baseline = LiveTensors.Settle();
        TensorMemory lease;
        using (new TensorScope())
        {
            lease = Tensors.Full([8], 2.0).LeaseBytes();
        }

        Assert.Equal(baseline + 1, LibTorch.LiveTensorCount);
        Assert.Equal(2f, MemoryMarshal.Cast<byte, float>(lease.GetSpan())[7]);
        lease.Dispose();
        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }
}
