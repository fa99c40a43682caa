using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Distributed;
using Twa.Training.Runs;

namespace Twa.Training.Tests.Runs;

/// <summary>A run whose base training fails frees every tensor it made, the EMA of the weights included: the live-tensor
/// count returns to its baseline. Runs alone (the counter is process-wide).</summary>
[Collection(nameof(ProcessGlobalState))]
public sealed class JobRunnerLifetimeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-run-lifetime-");

    public JobRunnerLifetimeTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private V1Alpha1TwaJob Job() => TwaJobLoader.Parse($$"""
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: lifetime}
        spec:
          training:
            seed: 3
            model: {arch: mlp}
            data: {path: {{Data}}, batchSize: 30}
            base: {epochs: 2, optimizer: {lr: 0.05}, checkpointEverySteps: 4}
            twa: {snapshots: {from: 0, to: 3}, epochs: 1}
            baselines: [ema]
        """, "lifetime.yaml");

    /// <summary>Finalizes garbage left by earlier tests, then returns the live-tensor count.</summary>
    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return LibTorch.LiveTensorCount;
    }

    [Fact]
    public void Run_BaseTrainingWithEmaThrows_FreesTheEmaAndEveryOtherTensor()
    {
        var output = Path.Combine(_dir.FullName, "out");
        var baseline = Settle();

        Assert.Throws<GenerationChangedException>(() => JobRunner.Run(Job(), new RunOptions(output)
        {
            AfterStep = (phase, step) =>
            {
                if (phase == "base" && step == 6)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        }));

        // No collection here: a tensor left to the finalizer is a leak.
        Assert.Equal(baseline, LibTorch.LiveTensorCount);
    }
}
