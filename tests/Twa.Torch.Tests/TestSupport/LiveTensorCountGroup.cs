namespace Twa.Torch.Tests.TestSupport;

/// <summary>Tests that assert <see cref="LibTorch.LiveTensorCount"/> returns to its baseline. The count is
/// process-wide, so these run alone: never in parallel with other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCountGroup
{
    public const string Name = "LiveTensorCount";

    /// <summary>Finalizes garbage left by earlier tests, then returns the live count to compare against.</summary>
    public static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return LibTorch.LiveTensorCount;
    }
}
