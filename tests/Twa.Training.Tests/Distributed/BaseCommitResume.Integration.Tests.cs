using Twa.Jobs;
using Twa.Torch.Serialization;
using Twa.Training.Runs;

namespace Twa.Training.Tests.Distributed;

/// <summary>Mid-epoch base-training commits on K real Gloo ranks in this process: rank 0 writes them with the epoch's
/// partial loss/accuracy summed over the ranks; a run abandoned on every rank mid-epoch resumes after the last commit,
/// on the same number of ranks bitwise as the uninterrupted run, and on another number of ranks (a resize) within
/// float reassociation of it.</summary>
public sealed class BaseCommitResumeIntegrationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-dist-base-commit-");

    public BaseCommitResumeIntegrationTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    // 270 training images in global batches of 25 (split 13/12 or 9/8/8): 11 steps per epoch, 22 in all.
    private V1Alpha1TwaJob Job => TwaJobLoader.Parse($$"""
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: dist-base-commit}
        spec:
          training:
            seed: 6
            model: {arch: mlp}
            data: {path: {{Data}}, batchSize: 25, holdoutFraction: 0.1 }
            base: {epochs: 2, optimizer: {lr: 0.05}, checkpointEverySteps: 5 }
        """, "dist-base-commit.yaml");

    private static float[] Weights(string output, string name)
    {
        using var file = SafetensorsFile.Read(Path.Combine(output, "model.safetensors"));
        return file[name].ToArray<float>();
    }

    [Theory]
    [InlineData(2, 2, true)]
    [InlineData(2, 3, false)]
    public void Run_AbandonedMidEpochOnKRanksThenRunAgain_EndsAsTheUninterruptedRun(int before, int after, bool bitwise)
    {
        var job = Job;
        var straight = Path.Combine(_dir.FullName, "straight");
        var whole = InProcessRanks.Run(before, ranks => JobRunner.Run(job, new RunOptions(straight) { Ranks = ranks }))[0];

        var output = Path.Combine(_dir.FullName, $"interrupted-{after}");
        var abandoned = Assert.Throws<InvalidOperationException>(() => InProcessRanks.Run(before, ranks => JobRunner.Run(job, new RunOptions(output)
        {
            Ranks = ranks,
            AfterStep = (phase, step) =>
            {
                if (step == 18)
                {
                    throw new Training.Distributed.GenerationChangedException(1, 2);
                }
            },
        })));
        Assert.IsType<Training.Distributed.GenerationChangedException>(abandoned.InnerException);
        var lines = new List<string>();
        var resumed = InProcessRanks.Run(after, ranks => JobRunner.Run(job, new RunOptions(output, Log: ranks.Rank == 0 ? lines.Add : null) { Ranks = ranks }))[0];

        Assert.Contains(lines, l => l.StartsWith("base: resuming after step 15 (epoch 2, batch 4 of 11)", StringComparison.Ordinal));
        var expected = Weights(straight, "fc1.weight");
        var actual = Weights(output, "fc1.weight");
        var epoch2 = (whole.History[1], resumed.History[1]);
        if (bitwise)
        {
            Assert.Equal(expected, actual);
            Assert.Equal(epoch2.Item1.TrainAccuracy, epoch2.Item2.TrainAccuracy);
        }
        else
        {
            var diff = Math.Sqrt(expected.Zip(actual, (a, b) => (double)(a - b) * (a - b)).Sum());
            var norm = Math.Sqrt(expected.Sum(a => (double)a * a));
            Assert.True(diff / norm < 1e-5, $"relative weight difference {diff / norm:E2} after resuming on {after} ranks");
            Assert.Equal(epoch2.Item1.TrainAccuracy, epoch2.Item2.TrainAccuracy, 0.01);
        }

        // The epoch's loss is the committed partial sum (all ranks) plus what every rank added after the resume.
        Assert.Equal(epoch2.Item1.TrainLoss, epoch2.Item2.TrainLoss, 1e-6);
        Assert.Equal(whole.History[0].TrainLoss, resumed.History[0].TrainLoss);
    }
}
