using Twa.Torch;

namespace Twa.Torch.Tests;

/// <summary>Tests that read process-wide counters (live tensors, RSS) run alone, never beside other
/// test classes, so other tests' tensors cannot move the numbers.</summary>
[CollectionDefinition(nameof(MemorySensitive), DisableParallelization = true)]
public sealed class MemorySensitive;

public static class LiveTensors
{
    /// <summary>Finalizes garbage left by earlier tests, then returns the live-tensor count.</summary>
    public static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return LibTorch.LiveTensorCount;
    }
}
