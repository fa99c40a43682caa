using Twa.Jobs;

namespace Twa.Training.Tests.Jobs;

public sealed class TwaJobLoaderTests
{
    private const string Minimal = """
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: tiny}
        spec:
          training:
            model: {arch: mlp}
            base: {epochs: 4}
            twa:
              snapshots: {from: 0, to: 5}
        """;

    private static JobFileException Fails(string yaml) => Assert.Throws<JobFileException>(() => TwaJobLoader.Parse(yaml, "job.yaml"));

    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TwaOperator.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), relative);
    }

    [Fact]
    public void Load_EveryExample_IsValid()
    {
        var examples = Directory.GetFiles(RepoFile("examples"), "*.yaml");
        Assert.NotEmpty(examples);
        foreach (var file in examples)
        {
            var job = TwaJobLoader.Load(file);
            Assert.Equal(V1Alpha1TwaJob.KindValue, job.Kind);
        }
    }

    [Fact]
    public void Load_LenetExample_BindsTheRecipe()
    {
        var job = TwaJobLoader.Load(RepoFile("examples/fashion-mnist-lenet.yaml"));
        var t = job.Spec.Training;
        Assert.Equal("fashion-mnist-lenet", job.Metadata.Name);
        Assert.Equal("lenet5", t.Model.Arch);
        Assert.Equal(DataFormat.Idx, t.Data.Format);
        Assert.Equal(128, t.Data.BatchSize);
        Assert.Equal(10, t.Base!.Epochs);
        Assert.Equal([5, 8], t.Base.Schedule.Milestones!);
        Assert.Equal(5e-4, t.Base.Optimizer.WeightDecay);
        Assert.Equal(TwaVariant.Schmidt, t.Twa!.Variant);
        Assert.Equal([0, 1, 2, 3, 4, 5], t.Twa.Snapshots.Indices());
        Assert.Equal(OptimizerName.Sgd, t.Twa.Optimizer.Name);
        Assert.Equal(2.0, t.Twa.Optimizer.Lr);
        Assert.Equal([BaselineName.Swa], t.Baselines);
    }

    [Fact]
    public void Parse_MinimalJob_FillsDefaults()
    {
        var job = TwaJobLoader.Parse(Minimal, "job.yaml");
        var t = job.Spec.Training;
        Assert.Equal(1, job.Spec.Replicas);
        Assert.Equal("auto", t.Device);
        Assert.Equal(DataSpec.DefaultFashionMnistPath, t.Data.Path);
        Assert.Equal(0.9, t.Base!.Optimizer.Momentum);
        Assert.Equal(ScheduleName.Step, t.Twa!.Schedule.Name);
        Assert.Equal(32, t.Twa.ProjectionBits);
    }

    [Fact]
    public void Parse_PartialOptimizer_KeepsThePhaseDefaultsOfOmittedFields()
    {
        var job = TwaJobLoader.Parse(Minimal.Replace("base: {epochs: 4}", "base: {epochs: 4, optimizer: {lr: 0.2}}", StringComparison.Ordinal), "job.yaml");
        var o = job.Spec.Training.Base!.Optimizer;
        Assert.Equal(0.2, o.Lr);
        Assert.Equal(0.9, o.Momentum);
        Assert.Equal(5e-4, o.WeightDecay);
    }

    [Fact]
    public void Parse_SnapshotEveryInSteps_ReplacesTheDefaultEveryEpoch()
    {
        var job = TwaJobLoader.Parse(Minimal.Replace("base: {epochs: 4}", "base: {epochs: 4, snapshotEvery: {steps: 50}}", StringComparison.Ordinal), "job.yaml");

        Assert.Equal(50, job.Spec.Training.Base!.SnapshotEvery.Steps);
        Assert.Null(job.Spec.Training.Base.SnapshotEvery.Epochs);
        Assert.Equal(1, TwaJobLoader.Parse(Minimal, "job.yaml").Spec.Training.Base!.SnapshotEvery.Epochs); // the default stays
    }

    [Fact]
    public void Parse_TypoedField_NamesPathLineAndSuggestion()
    {
        var e = Fails(Minimal.Replace("base: {epochs: 4}", "bse: {epochs: 4}", StringComparison.Ordinal));
        Assert.Contains("spec.training.bse (line 7, column 5): unknown field; did you mean 'base'?", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("job.yaml: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownArchitecture_ListsTheKnownOnes()
    {
        var e = Fails(Minimal.Replace("arch: mlp", "arch: resnet21", StringComparison.Ordinal));
        Assert.Contains("spec.training.model.arch: unknown architecture 'resnet21'; use one of: mlp, lenet5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongScalarTypeAndEnum_ReportsBothProblems()
    {
        var e = Fails(Minimal.Replace("base: {epochs: 4}", "base: {epochs: ten}", StringComparison.Ordinal)
            .Replace("snapshots:", "variant: schmid\n      snapshots:", StringComparison.Ordinal));
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("spec.training.base.epochs (line 7", StringComparison.Ordinal) && p.EndsWith("expected an integer, got 'ten'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("spec.training.twa.variant", StringComparison.Ordinal) && p.EndsWith("'schmid' is not one of: schmidt, centered", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SnapshotRangeBeyondBaseTraining_SaysHowManyExist()
    {
        var e = Fails(Minimal.Replace("to: 5", "to: 9", StringComparison.Ordinal));
        Assert.Contains("spec.training.twa.snapshots.to: 9 is beyond the 5 snapshots base training saves (0..4); use to <= 5", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("projectionBits: 12", "spec.training.twa.projectionBits: 12 is not supported; use one of 32, 16, 8, 7, 6, 5, 4, 3, 2, 1")]
    [InlineData("projectionBits: 0", "spec.training.twa.projectionBits: 0 is not supported")]
    [InlineData("projectionBits: 4", "quantised bases are a 'centered' (journal) feature")]
    [InlineData("fitOn: holdout", "holdout (TWA-v) needs data.holdoutFraction > 0")]
    [InlineData("snapshots: {from: 3, to: 4}", "selects fewer than 2 snapshots")]
    public void Parse_InvalidTwaSettings_ExplainTheFix(string line, string expected)
    {
        var yaml = Minimal.Replace("snapshots: {from: 0, to: 5}", line.StartsWith("snapshots", StringComparison.Ordinal) ? line : $"snapshots: {{from: 0, to: 5}}\n      {line}", StringComparison.Ordinal);
        var e = Fails(yaml);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StartLastWithCenteredVariant_NamesTheFieldAndTheFix()
    {
        var e = Fails(Minimal.Replace("snapshots: {from: 0, to: 5}", "variant: centered\n      start: last\n      snapshots: {from: 0, to: 5}", StringComparison.Ordinal));

        Assert.Equal(["spec.training.twa.start: 'last' is not supported by variant: centered (the journal variant always starts at the "
            + "snapshots' mean, x = 0); remove start, or use variant: schmidt"], e.Problems);
    }

    [Theory]
    [InlineData("variant: schmidt\n      start: last", TwaVariant.Schmidt, TwaStart.Last)]
    [InlineData("variant: centered\n      start: mean", TwaVariant.Centered, TwaStart.Mean)]
    [InlineData("variant: centered", TwaVariant.Centered, TwaStart.Mean)]
    public void Parse_StartThatTheVariantHonours_IsAccepted(string lines, TwaVariant variant, TwaStart start)
    {
        var job = TwaJobLoader.Parse(Minimal.Replace("snapshots: {from: 0, to: 5}", $"{lines}\n      snapshots: {{from: 0, to: 5}}", StringComparison.Ordinal), "job.yaml");

        Assert.Equal((variant, start), (job.Spec.Training.Twa!.Variant, job.Spec.Training.Twa.Start));
    }

    [Theory]
    [InlineData("base: {epochs: 4}", 100)]
    [InlineData("base: {epochs: 4, checkpointEverySteps: 25}", 25)]
    [InlineData("base: {epochs: 4, checkpointEverySteps: 0}", 0)]
    public void Parse_BaseCheckpointEverySteps_BindsItOrTheDefault(string line, int expected)
    {
        var job = TwaJobLoader.Parse(Minimal.Replace("base: {epochs: 4}", line, StringComparison.Ordinal), "job.yaml");
        Assert.Equal(expected, job.Spec.Training.Base!.CheckpointEverySteps);
    }

    [Fact]
    public void Parse_NegativeBaseCheckpointEverySteps_NamesTheFieldAndTheFix()
    {
        var e = Fails(Minimal.Replace("base: {epochs: 4}", "base: {epochs: 4, checkpointEverySteps: -5}", StringComparison.Ordinal));
        Assert.Contains("spec.training.base.checkpointEverySteps: must be >= 0 (commit every N steps and after each epoch; 0 = after each epoch only; default 100)",
            e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OperatorOwnedFields_AreAcceptedAndKeptRaw()
    {
        var yaml = Minimal.Replace("spec:\n", "spec:\n  replicas: 4\n  elastic: {minReplicas: 2, maxReplicas: 8}\n  redis: {address: redis:6379}\n  template: {spec: {containers: [{name: trainer, image: twa:1}]}}\n", StringComparison.Ordinal);
        var job = TwaJobLoader.Parse(yaml, "job.yaml");
        Assert.Equal(4, job.Spec.Replicas);
        Assert.NotNull(job.Spec.Elastic);
        Assert.NotNull(job.Spec.Template);
    }

    [Fact]
    public void Parse_MalformedYaml_NamesTheLine()
    {
        var e = Fails("apiVersion: twa.dev/v1alpha1\nspec: {training: [}\n");
        Assert.Contains("not valid YAML (line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongKindAndBadName_AreRejected()
    {
        var e = Fails(Minimal.Replace("kind: TwaJob", "kind: PyTorchJob", StringComparison.Ordinal).Replace("name: tiny", "name: Tiny_Job", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("kind: 'PyTorchJob' is not supported; use TwaJob", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("metadata.name: 'Tiny_Job' must be a DNS label", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingFile_SaysSo()
    {
        var e = Assert.Throws<JobFileException>(() => TwaJobLoader.Load("/nonexistent/job.yaml"));
        Assert.Equal("/nonexistent/job.yaml: file not found; pass the path of a TwaJob YAML (see examples/)", e.Message);
    }
}
