using Twa.Jobs;
using Twa.Training.Distributed;
using Twa.Training.Runs;

namespace Twa.Training.Tests.Runs;

/// <summary>The TWA state committed every step (elastic runs): a run abandoned after step s (as on a new membership
/// generation) and started again resumes after step s and ends exactly where the uninterrupted run ends, with the
/// full history.</summary>
public sealed class TwaCommitResumeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-commit-");

    public TwaCommitResumeTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private V1Alpha1TwaJob Job(string twa, int checkpointEverySteps, string arch = "mlp") => TwaJobLoader.Parse($$"""
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: commit}
        spec:
          training:
            seed: 9
            model: {arch: {{arch}}}
            data: {path: {{Data}}, batchSize: 30, holdoutFraction: 0.1 }
            base: {epochs: 1, optimizer: {lr: 0.05} }
            twa:
              {{twa}}
              epochs: 2
            checkpointEverySteps: {{checkpointEverySteps}}
        """, "commit.yaml");

    [Theory]
    [InlineData("variant: schmidt\n      snapshots: {from: 0, to: 2}\n      optimizer: {lr: 1.0}", 1, 4, 4)]
    [InlineData("variant: schmidt\n      snapshots: {from: 0, to: 2}\n      optimizer: {lr: 1.0}", 1, 9, 9)] // end of epoch 1
    [InlineData("variant: schmidt\n      snapshots: {from: 0, to: 2}\n      optimizer: {lr: 1.0}", 3, 14, 12)] // steps 13-14 redone
    [InlineData("variant: centered\n      snapshots: {from: 0, to: 2}\n      projectionBits: 4\n      optimizer: {name: adamw, lr: 0.01}", 1, 13, 13)]
    [InlineData("variant: schmidt\n      snapshots: {from: 0, to: 2}\n      optimizer: {lr: 0.1}", 1, 13, 13, "resnet8")] // BN buffers in the commit
    [InlineData("variant: centered\n      snapshots: {from: 0, to: 2}\n      projectionBits: 4\n      optimizer: {name: adamw, lr: 0.01}", 1, 13, 13, "resnet8")] // a BN model through centered TWA
    public void Run_AbandonedAfterAStepThenRunAgain_EndsExactlyAsTheUninterruptedRun(string twa, int checkpointEvery, long abandonAfter, long committed, string arch = "mlp")
    {
        var job = Job(twa, checkpointEvery, arch);
        var whole = JobRunner.Run(job, new RunOptions(Path.Combine(_dir.FullName, "whole")) { CommitTwaState = true });

        var output = Path.Combine(_dir.FullName, "interrupted");
        Assert.Throws<GenerationChangedException>(() => JobRunner.Run(job, new RunOptions(output)
        {
            CommitTwaState = true,
            AfterStep = (phase, step) =>
            {
                if (phase == "twa" && step == abandonAfter)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        }));
        var lines = new List<string>();
        var resumed = JobRunner.Run(job, new RunOptions(output, Log: lines.Add) { CommitTwaState = true });

        Assert.Contains($"twa: resuming after step {committed} from {Path.Combine(output, "state")}", lines);
        Assert.Equal(whole.Twa!.Coordinates, resumed.Twa!.Coordinates);
        Assert.Equal(whole.Final.Accuracy, resumed.Final.Accuracy);
        Assert.Equal(whole.History.Select(h => (h.Phase, h.Epoch, h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)),
            resumed.History.Select(h => (h.Phase, h.Epoch, h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)));
    }
}
