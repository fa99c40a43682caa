using Twa.Jobs;
using Twa.Training.Distributed;
using Twa.Training.Runs;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Runs;

/// <summary>TWA commits carry a fingerprint of the job as base training's do: a rerun into the same output directory
/// resumes only the fit that made the commit. Any field that changes the fit's trajectory (the seed, any field of
/// <c>twa</c>, the augmentation a training-split fit applies) is refused, naming the field by its job-file path; how
/// often the state is committed, where the data lives and the device are not part of it. Commits from before the
/// fingerprint, or lacking a field the job has at its default, are resumed.</summary>
public sealed class TwaResumeJobCheckTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-twa-job-");

    public TwaResumeJobCheckTests() => SyntheticImages.Write(Data, trainCount: 300, testCount: 100);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private const string BasePhase = """

            base:
              epochs: 2
              optimizer: {lr: 0.05, momentum: 0.9}
        """;

    // 270 training images in global batches of 30: 9 TWA steps per epoch on the training split; a commit every step.
    private const string Job = """
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: twa-job}
        spec:
          training:
            seed: 4
            device: cpu
            model: {arch: mlp, numClasses: 10}
            data: {format: idx, path: DATA, batchSize: 30, holdoutFraction: 0.1, augment: {randomCropPadding: 2, horizontalFlip: true} }BASE
            twa:
              variant: schmidt
              snapshots: {from: 0, to: 3}
              fitOn: train
              epochs: 3
              optimizer: {lr: 1.0, momentum: 0.9}
            checkpointEverySteps: 1
        """;

    /// <summary>The job; <paramref name="withBase"/> false = TWA only, on the snapshots the first run left in OUT/snapshots.</summary>
    private V1Alpha1TwaJob Parse(string yaml, bool withBase = true) => TwaJobLoader.Parse(
        yaml.Replace("DATA", Data, StringComparison.Ordinal).Replace("BASE", withBase ? BasePhase : "", StringComparison.Ordinal), "twa-job.yaml");

    private static string State(string output) => Path.Combine(output, "state");

    private static string Resumed(string output) => $"twa: resuming after step 4 from {State(output)}";

    private static RunOptions Options(string output, long? seed = null, List<string>? log = null) =>
        new(output, Seed: seed, Log: log is null ? null : log.Add) { CommitTwaState = true };

    /// <summary>Runs <paramref name="job"/> (base training, then TWA) and abandons it after TWA step 4 and its commit, as
    /// a new membership generation would.</summary>
    private static void AbandonAfterTwaStep4(V1Alpha1TwaJob job, string output) =>
        Assert.Throws<GenerationChangedException>(() => JobRunner.Run(job, Options(output) with
        {
            AfterStep = (phase, step) =>
            {
                if (phase == "twa" && step == 4)
                {
                    throw new GenerationChangedException(1, 2);
                }
            },
        }));

    private static string Expected(string output, string differences) =>
        $"{State(output)} holds TWA state of another job: {differences.Replace("STATE", State(output), StringComparison.Ordinal)}; "
        + $"use another --out directory or store, or delete {State(output)}";

    [Fact]
    public void Run_TwaCommitRerunWithAnotherSeed_FailsNamingTheSeedAndTheFix()
    {
        // Without a base phase (TWA on the snapshots already in the store) base training's own check does not run first.
        var output = Path.Combine(_dir.FullName, "out");
        AbandonAfterTwaStep4(Parse(Job), output);

        var e = Assert.Throws<StateMismatchException>(() => JobRunner.Run(Parse(Job, withBase: false), Options(output, seed: 5)));

        Assert.Equal(Expected(output, "spec.training.seed: 4 in STATE, 5 in this job"), e.Message);
        Assert.False(File.Exists(Path.Combine(output, RunOutputs.MetricsFile)));
    }

    [Theory]
    [InlineData("{lr: 1.0, momentum: 0.9}", "{lr: 2.0, momentum: 0.9}", true, "spec.training.twa.optimizer.lr: 1 in STATE, 2 in this job")]
    [InlineData("{lr: 1.0, momentum: 0.9}", "{name: adamw, lr: 1.0, momentum: 0.9}", true, "spec.training.twa.optimizer.name: sgd in STATE, adamw in this job")]
    [InlineData("fitOn: train", "fitOn: holdout", true, "spec.training.twa.fitOn: train in STATE, holdout in this job")]
    [InlineData("fitOn: train", "fitOn: train\n      start: last", true, "spec.training.twa.start: mean in STATE, last in this job")]
    [InlineData("fitOn: train", "fitOn: train\n      schedule: {name: cosine}", true, "spec.training.twa.schedule.name: step in STATE, cosine in this job")]
    [InlineData("fitOn: train", "fitOn: train\n      blockSize: 1000", true, "spec.training.twa.blockSize: 0 in STATE, 1000 in this job")]
    [InlineData("epochs: 3", "epochs: 4", true, "spec.training.twa.epochs: 3 in STATE, 4 in this job")]
    [InlineData("{from: 0, to: 3}", "{from: 1, to: 3}", true, "spec.training.twa.snapshots.from: 0 in STATE, 1 in this job")]
    [InlineData("seed: 4", "seed: 5", false, "spec.training.seed: 4 in STATE, 5 in this job")]
    [InlineData("horizontalFlip: true", "horizontalFlip: false", false, "spec.training.data.augment.horizontalFlip: true in STATE, false in this job")]
    [InlineData("randomCropPadding: 2", "randomCropPadding: 0", false, "spec.training.data.augment.randomCropPadding: 2 in STATE, 0 in this job")]
    [InlineData("batchSize: 30", "batchSize: 20", false, "spec.training.data.batchSize: 30 in STATE, 20 in this job")]
    public void Run_TwaCommitOfAnotherFit_FailsNamingEachDifferingField(string from, string to, bool withBase, string expected)
    {
        var output = Path.Combine(_dir.FullName, "out");
        AbandonAfterTwaStep4(Parse(Job), output);

        var e = Assert.Throws<StateMismatchException>(() =>
            JobRunner.Run(Parse(Job.Replace(from, to, StringComparison.Ordinal), withBase), Options(output)));

        Assert.Equal(Expected(output, expected), e.Message);
    }

    [Fact]
    public void Run_CenteredCommitRerunWithOtherProjectionBits_FailsNamingTheField()
    {
        var output = Path.Combine(_dir.FullName, "out");
        var centered = Job.Replace("variant: schmidt", "variant: centered\n      projectionBits: 4", StringComparison.Ordinal);
        AbandonAfterTwaStep4(Parse(centered), output);

        var e = Assert.Throws<StateMismatchException>(() =>
            JobRunner.Run(Parse(centered.Replace("projectionBits: 4", "projectionBits: 8", StringComparison.Ordinal)), Options(output)));

        Assert.Equal(Expected(output, "spec.training.twa.projectionBits: 4 in STATE, 8 in this job"), e.Message);
    }

    [Fact]
    public void Run_CommitIntervalDataPathAndDeviceChanged_ResumesAfterTheCommit()
    {
        var output = Path.Combine(_dir.FullName, "out");
        AbandonAfterTwaStep4(Parse(Job), output);
        var moved = Directory.CreateDirectory(Path.Combine(_dir.FullName, "mounted-elsewhere")).FullName;
        foreach (var file in Directory.GetFiles(Data))
        {
            File.Copy(file, Path.Combine(moved, Path.GetFileName(file)));
        }

        var other = Job.Replace("DATA", moved, StringComparison.Ordinal).Replace("checkpointEverySteps: 1", "checkpointEverySteps: 2", StringComparison.Ordinal)
            .Replace("device: cpu", "device: auto", StringComparison.Ordinal);
        var lines = new List<string>();
        JobRunner.Run(Parse(other), Options(output, log: lines));

        Assert.Contains(Resumed(output), lines);
    }

    /// <summary>Rewrites the last TWA commit's metadata with <paramref name="edit"/>, as another trainer wrote it.</summary>
    private static void RewriteTwaCommit(string output, Func<Dictionary<string, string>, Dictionary<string, string>> edit)
    {
        var store = new LocalStateStore(State(output));
        using var committed = store.ReadLatest("twa")!;
        using var rewritten = new CommittedState
        {
            Generation = committed.Generation, Step = committed.Step, Epoch = committed.Epoch, Batch = committed.Batch,
            RngState = committed.RngState, Tensors = committed.Tensors,
            Metadata = edit(committed.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value)),
        };
        store.Commit("twa", rewritten);
    }

    [Fact]
    public void Run_TwaCommitWithoutAFingerprint_IsResumed()
    {
        // Commits written before the fingerprint existed carry no "job" key: they are resumed as before.
        var output = Path.Combine(_dir.FullName, "out");
        AbandonAfterTwaStep4(Parse(Job), output);
        RewriteTwaCommit(output, metadata =>
        {
            Assert.True(metadata.Remove("job"), "the TWA commit has no fingerprint");
            return metadata;
        });

        var lines = new List<string>();
        JobRunner.Run(Parse(Job), Options(output, log: lines));

        Assert.Contains(Resumed(output), lines);
    }

    [Fact]
    public void Run_TwaCommitWithoutAFingerprintOfAnotherSnapshotRange_FailsAsAStateMismatch()
    {
        // Without a fingerprint the variant, snapshot range and coefficient count are still checked.
        var output = Path.Combine(_dir.FullName, "out");
        AbandonAfterTwaStep4(Parse(Job), output);
        RewriteTwaCommit(output, metadata =>
        {
            metadata.Remove("job");
            return metadata;
        });

        var e = Assert.Throws<StateMismatchException>(() =>
            JobRunner.Run(Parse(Job.Replace("{from: 0, to: 3}", "{from: 1, to: 3}", StringComparison.Ordinal)), Options(output)));

        Assert.Equal($"{State(output)} holds TWA state of 'Schmidt 0,1,2 x3', not 'Schmidt 1,2 x2'; use another --out directory or store, or delete {State(output)}",
            e.Message);
    }

    [Fact]
    public void Run_TwaCommitFromBeforeAFieldExisted_ResumesWhenTheJobHasItsDefault_AndNamesItOtherwise()
    {
        // An upgraded trainer knows a field the running fit's commit lacks: at the field's default that is what the
        // older trainer did, so the fit resumes; set to anything else, the trajectory would change under it.
        var output = Path.Combine(_dir.FullName, "out");
        AbandonAfterTwaStep4(Parse(Job), output);
        RewriteTwaCommit(output, metadata =>
        {
            var job = System.Text.Json.Nodes.JsonNode.Parse(metadata["job"])!.AsObject();
            Assert.True(job["twa"]!["optimizer"]!.AsObject().Remove("nesterov"), "the fingerprint has no twa.optimizer.nesterov");
            metadata["job"] = job.ToJsonString();
            return metadata;
        });
        var refused = Assert.Throws<StateMismatchException>(() =>
            JobRunner.Run(Parse(Job.Replace("{lr: 1.0, momentum: 0.9}", "{lr: 1.0, momentum: 0.9, nesterov: true}", StringComparison.Ordinal)), Options(output)));
        Assert.Equal(Expected(output, "spec.training.twa.optimizer.nesterov: unset in STATE, true in this job"), refused.Message);

        var lines = new List<string>();
        JobRunner.Run(Parse(Job), Options(output, log: lines));

        Assert.Contains(Resumed(output), lines);
    }
}
