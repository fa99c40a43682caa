using Twa.Jobs;
using Twa.Training.Distributed;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Runs;

/// <summary>Base training commits a fingerprint of the job with its state: a rerun into the same output directory
/// resumes only the job that made the commit. Any field that changes the base trajectory (seed, model, data format,
/// batch size, held-out split, augmentation, the base recipe, the EMA baseline) is refused, naming the field; where
/// the data lives, how often the state is committed, the device and the worker count are not part of it.</summary>
public sealed class BaseResumeJobCheckTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-base-job-");

    public BaseResumeJobCheckTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private const string Base = """
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: base-job}
        spec:
          training:
            seed: 4
            device: cpu
            model: {arch: mlp, numClasses: 10}
            data: {format: idx, path: DATA, batchSize: 30, holdoutFraction: 0.1, augment: {randomCropPadding: 2, horizontalFlip: true} }
            base:
              epochs: 3
              optimizer: {lr: 0.05, momentum: 0.9}
              schedule: {name: cosine}
              snapshotEvery: {epochs: 1}
              checkpointEverySteps: 4
        """;

    private const string Ema = """

            twa: {snapshots: {from: 0, to: 4}, epochs: 1}
            baselines: [ema]
        """;

    // 270 training images in global batches of 30: 9 steps per epoch; a commit after step 4.
    private V1Alpha1TwaJob Job(string yaml) => TwaJobLoader.Parse(yaml.Replace("DATA", Data, StringComparison.Ordinal), "base-job.yaml");

    private static string State(string output) => Path.Combine(output, "state");

    /// <summary>Runs <paramref name="job"/> until its first commit after step <paramref name="abandonAfter"/>, then
    /// abandons it (as a new membership generation would).</summary>
    private static void RunUntil(V1Alpha1TwaJob job, string output, long abandonAfter, long? seed = null) =>
        Assert.Throws<GenerationChangedException>(() => JobRunner.Run(job, new RunOptions(output, Seed: seed)
        {
            AfterStep = (phase, step) =>
            {
                if (phase == "base" && step == abandonAfter)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        }));

    [Fact]
    public void Run_AfterAFinishedRunWithAnotherSeed_FailsNamingTheSeedAndTheFix()
    {
        var output = Path.Combine(_dir.FullName, "out");
        var job = Job(Base);
        JobRunner.Run(job, new RunOptions(output));

        var e = Assert.Throws<StateMismatchException>(() => JobRunner.Run(job, new RunOptions(output, Seed: 2)));

        var state = State(output);
        Assert.Equal($"{state} holds base-training state of another job: spec.training.seed: 4 in {state}, 2 in this job; "
            + $"use another --out directory or store, or delete {state}", e.Message);
        Assert.False(File.Exists(Path.Combine(output, RunOutputs.MetricsFile)));
    }

    [Theory]
    [InlineData("lr: 0.05", "lr: 0.1", "spec.training.base.optimizer.lr: 0.05 in STATE, 0.1 in this job")]
    [InlineData("momentum: 0.9}", "momentum: 0.9, nesterov: true}", "spec.training.base.optimizer.nesterov: false in STATE, true in this job")]
    [InlineData("{name: cosine}", "{name: linear}", "spec.training.base.schedule.name: cosine in STATE, linear in this job")]
    [InlineData("{name: cosine}", "{name: cosine, warmupEpochs: 1}", "spec.training.base.schedule.warmupEpochs: 0 in STATE, 1 in this job")]
    [InlineData("epochs: 3", "epochs: 4", "spec.training.base.epochs: 3 in STATE, 4 in this job")]
    [InlineData("snapshotEvery: {epochs: 1}", "snapshotEvery: {steps: 5}",
        "spec.training.base.snapshotEvery.epochs: 1 in STATE, unset in this job; spec.training.base.snapshotEvery.steps: unset in STATE, 5 in this job")]
    [InlineData("horizontalFlip: true", "horizontalFlip: false", "spec.training.data.augment.horizontalFlip: true in STATE, false in this job")]
    [InlineData("randomCropPadding: 2", "randomCropPadding: 0", "spec.training.data.augment.randomCropPadding: 2 in STATE, 0 in this job")]
    [InlineData("holdoutFraction: 0.1", "holdoutFraction: 0.2", "spec.training.data.holdoutFraction: 0.1 in STATE, 0.2 in this job")]
    [InlineData("numClasses: 10", "numClasses: 12", "spec.training.model.numClasses: 10 in STATE, 12 in this job")]
    [InlineData("seed: 4", "seed: 5", "spec.training.seed: 4 in STATE, 5 in this job")]
    [InlineData("checkpointEverySteps: 4", "checkpointEverySteps: 4" + Ema, "spec.training.baselines (ema decay): none in STATE, 0.999 in this job")]
    public void Run_CommitOfAnotherRecipe_FailsNamingEachDifferingField(string from, string to, string expected)
    {
        var output = Path.Combine(_dir.FullName, "out");
        RunUntil(Job(Base), output, abandonAfter: 5);

        var e = Assert.Throws<StateMismatchException>(() => JobRunner.Run(Job(Base.Replace(from, to, StringComparison.Ordinal)), new RunOptions(output)));

        var state = State(output);
        Assert.Equal($"{state} holds base-training state of another job: {expected.Replace("STATE", state, StringComparison.Ordinal)}; "
            + $"use another --out directory or store, or delete {state}", e.Message);
    }

    [Fact]
    public void Run_CommitWithEmaRerunWithout_FailsNamingTheBaseline()
    {
        var output = Path.Combine(_dir.FullName, "out");
        RunUntil(Job(Base + Ema), output, abandonAfter: 5);

        var e = Assert.Throws<StateMismatchException>(() => JobRunner.Run(Job(Base), new RunOptions(output)));

        Assert.Contains($"spec.training.baselines (ema decay): 0.999 in {State(output)}, none in this job", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DataMovedCommitIntervalAndDeviceChanged_ResumesAfterTheCommit()
    {
        var output = Path.Combine(_dir.FullName, "out");
        RunUntil(Job(Base), output, abandonAfter: 5);
        var moved = Directory.CreateDirectory(Path.Combine(_dir.FullName, "mounted-elsewhere")).FullName;
        foreach (var file in Directory.GetFiles(Data))
        {
            File.Copy(file, Path.Combine(moved, Path.GetFileName(file)));
        }

        var other = Base.Replace("DATA", moved, StringComparison.Ordinal).Replace("checkpointEverySteps: 4", "checkpointEverySteps: 2", StringComparison.Ordinal)
            .Replace("device: cpu", "device: auto", StringComparison.Ordinal);
        var lines = new List<string>();
        JobRunner.Run(Job(other), new RunOptions(output, Log: lines.Add));

        Assert.Contains(lines, l => l.StartsWith("base: resuming after step 4 (epoch 1, batch 4 of 9)", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CommitWithoutAFingerprint_IsResumed()
    {
        // Commits written before the fingerprint existed carry no "job" key: they are resumed as before.
        var output = Path.Combine(_dir.FullName, "out");
        RunUntil(Job(Base), output, abandonAfter: 5);
        RecommitWith(output, m =>
        {
            Assert.True(m.ContainsKey("job"));
            return m.Where(kv => kv.Key != "job").ToDictionary(kv => kv.Key, kv => kv.Value);
        });

        var lines = new List<string>();
        JobRunner.Run(Job(Base), new RunOptions(output, Log: lines.Add));

        Assert.Contains(lines, l => l.StartsWith("base: resuming after step 4 (epoch 1, batch 4 of 9)", StringComparison.Ordinal));
    }

    /// <summary>Replaces the last base commit in <paramref name="output"/> by a copy whose metadata is
    /// <paramref name="metadata"/> applied to the committed one (as an older or damaged writer left it).</summary>
    private static void RecommitWith(string output, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> metadata)
    {
        var store = new LocalStateStore(State(output));
        using var committed = store.ReadLatest("base")!;
        using var rewritten = new CommittedState
        {
            Generation = committed.Generation, Step = committed.Step, Epoch = committed.Epoch, Batch = committed.Batch,
            RngState = committed.RngState, Tensors = committed.Tensors, Metadata = metadata(committed.Metadata),
        };
        store.Commit("base", rewritten);
    }

    /// <summary>Rewrites the last base commit's fingerprint without <paramref name="field"/> (a dotted path), as a
    /// trainer from before that field existed wrote it.</summary>
    private static void CommitFingerprintWithout(string output, string field) => RecommitWith(output, m =>
    {
        var job = System.Text.Json.Nodes.JsonNode.Parse(m["job"])!.AsObject();
        var path = field.Split('.');
        var parent = path[..^1].Aggregate(job, (node, key) => node[key]!.AsObject());
        Assert.True(parent.Remove(path[^1]), $"the fingerprint has no {field}");
        return m.Select(kv => kv.Key == "job" ? KeyValuePair.Create(kv.Key, job.ToJsonString()) : kv).ToDictionary();
    });

    [Fact]
    public void Run_CommitFromBeforeAFieldExisted_ResumesWhenTheJobHasItsDefault_AndNamesItOtherwise()
    {
        // An upgraded trainer knows a field the running job's commit lacks: at the field's default that is what the
        // older trainer did, so the job resumes; set to anything else, the trajectory would change under it.
        var output = Path.Combine(_dir.FullName, "out");
        RunUntil(Job(Base), output, abandonAfter: 5);
        CommitFingerprintWithout(output, "base.schedule.warmupEpochs");
        var refused = Assert.Throws<StateMismatchException>(() =>
            JobRunner.Run(Job(Base.Replace("{name: cosine}", "{name: cosine, warmupEpochs: 1}", StringComparison.Ordinal)), new RunOptions(output)));
        Assert.Contains($"spec.training.base.schedule.warmupEpochs: unset in {State(output)}, 1 in this job", refused.Message, StringComparison.Ordinal);

        var lines = new List<string>();
        JobRunner.Run(Job(Base), new RunOptions(output, Log: lines.Add));

        Assert.Contains(lines, l => l.StartsWith("base: resuming after step 4 (epoch 1, batch 4 of 9)", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CommitLackingOptimizerSteps_FailsAsCorruptNamingTheFileAndTheKey()
    {
        var output = Path.Combine(_dir.FullName, "out");
        RunUntil(Job(Base), output, abandonAfter: 5);
        RecommitWith(output, m => m.Where(kv => kv.Key != "optimizer_steps").ToDictionary(kv => kv.Key, kv => kv.Value));
        var store = new LocalStateStore(State(output));
        var file = Path.Combine(State(output), "base", File.ReadAllText(store.PointerPath("base")).Trim());
        var e = Assert.Throws<StoreCorruptException>(() => JobRunner.Run(Job(Base), new RunOptions(output)));

        Assert.Equal(file, e.Location);
        Assert.Contains("'optimizer_steps'", e.Message, StringComparison.Ordinal);
    }
}
