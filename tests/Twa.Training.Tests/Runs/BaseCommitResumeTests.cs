using Twa.Jobs;
using Twa.Torch.Serialization;
using Twa.Training.Distributed;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Runs;

/// <summary>Base training commits every <c>base.checkpointEverySteps</c> steps and after every epoch (issue 4): a run
/// abandoned after any step (as on a new membership generation, or a crash) and started again resumes after the last
/// commit - mid-epoch included - and ends bitwise identical to the uninterrupted run: weights, snapshots and history.</summary>
public sealed class BaseCommitResumeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-base-commit-");

    public BaseCommitResumeTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    // 270 training images (10% held out) in global batches of 30: 9 steps per epoch, 27 in all.
    private V1Alpha1TwaJob Job(int checkpointEverySteps, string snapshotEvery) => TwaJobLoader.Parse($$"""
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: base-commit}
        spec:
          training:
            seed: 4
            model: {arch: mlp}
            data: {path: {{Data}}, batchSize: 30, holdoutFraction: 0.1, augment: {randomCropPadding: 2, horizontalFlip: true} }
            base:
              epochs: 3
              optimizer: {lr: 0.05}
              snapshotEvery: {{snapshotEvery}}
              checkpointEverySteps: {{checkpointEverySteps}}
        """, "base-commit.yaml");

    [Theory]
    [InlineData(4, "{epochs: 1}", 13, "base: resuming after step 12 (epoch 2, batch 3 of 9)")] // step 13 redone
    [InlineData(4, "{epochs: null, steps: 5}", 8, "base: resuming after step 8 (epoch 1, batch 8 of 9)")]    // nothing lost
    [InlineData(4, "{epochs: null, steps: 5}", 9, "base: resuming after epoch 1 from")]                      // the epoch's own commit
    [InlineData(1, "{epochs: 1}", 20, "base: resuming after step 20 (epoch 3, batch 2 of 9)")]
    [InlineData(0, "{epochs: 1}", 13, "base: resuming after epoch 1 from")]                    // epoch commits only
    public void Run_AbandonedAfterAStepThenRunAgain_EndsBitwiseAsTheUninterruptedRun(int checkpointEvery, string snapshotEvery, long abandonAfter, string resumeLine)
    {
        var job = Job(checkpointEvery, snapshotEvery);
        var straight = Path.Combine(_dir.FullName, "straight");
        var whole = JobRunner.Run(job, new RunOptions(straight));

        var output = Path.Combine(_dir.FullName, "interrupted");
        Assert.Throws<GenerationChangedException>(() => JobRunner.Run(job, new RunOptions(output)
        {
            AfterStep = (phase, step) =>
            {
                if (phase == "base" && step == abandonAfter)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        }));
        var lines = new List<string>();
        var resumed = JobRunner.Run(job, new RunOptions(output, Log: lines.Add));

        Assert.Contains(lines, l => l.StartsWith(resumeLine, StringComparison.Ordinal));
        using (var a = SafetensorsFile.Read(Path.Combine(straight, "model.safetensors")))
        using (var b = SafetensorsFile.Read(Path.Combine(output, "model.safetensors")))
        {
            Assert.Equal(["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"], a.Names.Order(StringComparer.Ordinal));
            foreach (var name in a.Names)
            {
                Assert.Equal(a[name].ToArray<float>(), b[name].ToArray<float>());
            }
        }

        var expectedSnapshots = new LocalSnapshotStore(Path.Combine(straight, "snapshots"));
        var actualSnapshots = new LocalSnapshotStore(Path.Combine(output, "snapshots"));
        Assert.Equal(expectedSnapshots.Indices(), actualSnapshots.Indices());
        foreach (var index in expectedSnapshots.Indices())
        {
            using var expected = expectedSnapshots.ReadColumns(index, 0, whole.Parameters);
            using var actual = actualSnapshots.ReadColumns(index, 0, whole.Parameters);
            Assert.Equal(expected.ToArray<float>(), actual.ToArray<float>());
        }

        Assert.Equal(whole.History.Select(h => (h.Phase, h.Epoch, h.LearningRate, h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)),
            resumed.History.Select(h => (h.Phase, h.Epoch, h.LearningRate, h.TrainLoss, h.TrainAccuracy, h.TestLoss, h.TestAccuracy)));
    }

    private static void AbandonAfterStep13(V1Alpha1TwaJob job, string output) =>
        Assert.Throws<GenerationChangedException>(() => JobRunner.Run(job, new RunOptions(output)
        {
            AfterStep = (phase, step) =>
            {
                if (step == 13)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        }));

    [Fact]
    public void Run_CommitFromAnotherBatchSize_FailsNamingTheFieldAndTheStore()
    {
        var output = Path.Combine(_dir.FullName, "other-batch");
        AbandonAfterStep13(Job(4, "{epochs: 1}"), output);
        var other = Job(4, "{epochs: 1}");
        other = other with { Spec = other.Spec with { Training = other.Spec.Training with { Data = other.Spec.Training.Data with { BatchSize = 50 } } } };

        var e = Assert.Throws<StateMismatchException>(() => JobRunner.Run(other, new RunOptions(output)));

        var state = Path.Combine(output, "state");
        Assert.Equal($"{state} holds base-training state of another job: spec.training.data.batchSize: 30 in {state}, 50 in this job; use another --out directory or store, or delete {state}", e.Message);
    }

    [Fact]
    public void Run_CommitFromAnotherDataset_FailsNamingTheStepsPerEpochAndTheStore()
    {
        // The dataset's path is not part of the job's fingerprint (data may move); its size shows in the steps per epoch.
        var output = Path.Combine(_dir.FullName, "other-data");
        AbandonAfterStep13(Job(4, "{epochs: 1}"), output);
        var smaller = Directory.CreateDirectory(Path.Combine(_dir.FullName, "smaller")).FullName;
        SyntheticImages.Write(smaller, trainCount: 200, testCount: 100);
        var other = Job(4, "{epochs: 1}");
        other = other with { Spec = other.Spec with { Training = other.Spec.Training with { Data = other.Spec.Training.Data with { Path = smaller } } } };

        var e = Assert.Throws<StateMismatchException>(() => JobRunner.Run(other, new RunOptions(output)));

        var state = Path.Combine(output, "state");
        Assert.Equal($"{state} holds base-training state at step 12 (epoch 1, batch 3 of 9 steps per epoch), which does not fit this job's 6 steps per epoch (another dataset or batch size); use another --out directory or store, or delete {state}", e.Message);
    }
}
