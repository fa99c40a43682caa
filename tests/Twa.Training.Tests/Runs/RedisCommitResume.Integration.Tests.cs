using Twa.Jobs;
using Twa.Testing.Redis;
using Twa.Training.Distributed;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Runs;

/// <summary>The run's stores in a real Redis (RunOptions.Snapshots/State from <see cref="JobStore"/>): base snapshots
/// and state, and TWA committed every step, go to Redis only; a run abandoned mid-TWA and started again on the same
/// key prefix resumes after the last commit and ends bitwise as the uninterrupted local run.</summary>
public sealed class RedisCommitResumeIntegrationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-redis-resume-");

    public RedisCommitResumeIntegrationTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact(Timeout = 120_000)]
    public async Task Run_RedisStoresAbandonedMidTwaThenRunAgain_EndsBitwiseAsTheLocalRun()
    {
        var job = TwaJobLoader.Parse($$"""
            apiVersion: twa.dev/v1alpha1
            kind: TwaJob
            metadata: {name: redis-resume}
            spec:
              training:
                seed: 9
                model: {arch: mlp}
                data: {path: {{Data}}, batchSize: 30, holdoutFraction: 0.1 }
                base: {epochs: 1, optimizer: {lr: 0.05} }
                twa:
                  snapshots: {from: 0, to: 2}
                  optimizer: {lr: 1.0}
                  epochs: 2
                checkpointEverySteps: 2
            """, "redis-resume.yaml");
        using var server = new RedisTestServer();
        var prefix = JobKeyPrefix.ForLocalRun("redis-resume");
        var local = await Task.Run(() => JobRunner.Run(job, new RunOptions(Path.Combine(_dir.FullName, "local")) { CommitTwaState = true }));

        var output = Path.Combine(_dir.FullName, "redis");
        var lines = new List<string>();
        using (var store = JobStore.Open($"redis://{server.Endpoint}/0", prefix))
        {
            var options = new RunOptions(output, Log: lines.Add)
            {
                CommitTwaState = true, Snapshots = store.Snapshots, State = store.State, StateLocation = $"{store.Location} under {prefix}",
            };
            Assert.Throws<GenerationChangedException>(() => JobRunner.Run(job, options with
            {
                AfterStep = (phase, step) =>
                {
                    if (phase == "twa" && step == 7)
                    {
                        throw new GenerationChangedException(1, 2);
                    }
                },
            }));
        }

        RunResult resumed;
        using (var store = JobStore.Open($"redis://{server.Endpoint}/0", prefix))
        {
            resumed = await Task.Run(() => JobRunner.Run(job, new RunOptions(output, Log: lines.Add)
            {
                CommitTwaState = true, Snapshots = store.Snapshots, State = store.State, StateLocation = $"{store.Location} under {prefix}",
            }));
            Assert.Equal([0, 1], store.Snapshots.Indices());
            store.Redis!.DeletePrefix(prefix.Value);
        }

        Assert.Contains($"twa: resuming after step 6 from redis://{server.Endpoint}/0 under {prefix}", lines);
        Assert.Contains(lines, l => l.StartsWith("base: resuming after epoch 1", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(output, "snapshots")));
        Assert.False(Directory.Exists(Path.Combine(output, "state")));
        Assert.Equal(local.Twa!.Coordinates, resumed.Twa!.Coordinates);
        Assert.Equal(local.Final.Accuracy, resumed.Final.Accuracy);
    }
}
