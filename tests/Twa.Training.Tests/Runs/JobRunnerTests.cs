using System.Text.Json.Nodes;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Jobs;
using Twa.Training.Models;
using Twa.Training.Phases;
using Twa.Training.Runs;

namespace Twa.Training.Tests.Runs;

public sealed class JobRunnerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-run-");

    public JobRunnerTests() => SyntheticImages.Write(Data);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private V1Alpha1TwaJob Job(string arch = "lenet5", int epochs = 3, string twa = "snapshots: {from: 0, to: 4}", double lr = 0.05, double twaLr = 1.0) =>
        TwaJobLoader.Parse($$"""
            apiVersion: twa.dev/v1alpha1
            kind: TwaJob
            metadata: {name: synthetic}
            spec:
              training:
                seed: 5
                model: {arch: {{arch}}}
                data: {path: {{Data}}, batchSize: 32, holdoutFraction: 0.1}
                base:
                  epochs: {{epochs}}
                  optimizer: {lr: {{lr}}}
                  schedule: {name: step}
                twa:
                  {{twa}}
                  epochs: 1
                  optimizer: {lr: {{twaLr}}}
                baselines: [swa, ema]
            """, "synthetic.yaml");

    [Fact]
    public void Run_BaseThenTwa_WritesTheContractOutputs()
    {
        var output = Path.Combine(_dir.FullName, "out");
        var result = JobRunner.Run(Job(), new RunOptions(output));

        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!;
        Assert.Equal(result.Final.Accuracy, metrics["final"]!["test_accuracy"]!.GetValue<double>());
        Assert.Equal(3, metrics["phases"]!["base"]!["epochs"]!.GetValue<int>());
        Assert.NotNull(metrics["phases"]!["twa"]!["seconds"]);
        Assert.NotNull(metrics["baselines"]!["swa"]!["test_accuracy"]);
        Assert.NotNull(metrics["baselines"]!["ema"]!["test_accuracy"]);
        Assert.Equal("schmidt", metrics["twa"]!["variant"]!.GetValue<string>());
        Assert.Equal(4, metrics["twa"]!["basis_size"]!.GetValue<int>());
        Assert.Equal(4, metrics["twa"]!["coefficients"]!.AsArray().Count);
        Assert.Equal(1, metrics["workers"]!.GetValue<int>());
        Assert.True(result.Final.Accuracy > 0.5, $"accuracy {result.Final.Accuracy} on a learnable synthetic task");
        Assert.Equal(5, File.ReadAllLines(Path.Combine(output, "history.csv")).Length); // header + 3 base + 1 twa
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(output, "curves.svg")), StringComparison.Ordinal);
        Assert.Equal([0, 1, 2, 3], new Stores.LocalSnapshotStore(Path.Combine(output, "snapshots")).Indices());
        using var weights = Torch.Serialization.SafetensorsFile.Read(Path.Combine(output, "model.safetensors"));
        Assert.Contains("conv1.weight", weights.Names);
    }

    [Theory]
    [InlineData(4, "holdout")]
    [InlineData(3, "train")] // a width that does not divide 8: codes straddle bytes
    [InlineData(32, "train")]
    public void Run_CenteredVariant_FitsBlockCoefficientsAndReportsBasisBytes(int bits, string fitOn)
    {
        var output = Path.Combine(_dir.FullName, $"centered-{bits}");
        var twa = $"variant: centered\n      snapshots: {{from: 0, to: 4}}\n      projectionBits: {bits}\n      fitOn: {fitOn}";
        var result = JobRunner.Run(Job(arch: "mlp", twa: twa), new RunOptions(output));

        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!["twa"]!;
        Assert.Equal("centered", metrics["variant"]!.GetValue<string>());
        Assert.Equal(6, metrics["blocks"]!.GetValue<int>());              // mlp: 3 weights + 3 biases
        Assert.Equal(4 * 6, metrics["coefficients"]!.AsArray().Count);      // n × L
        var d = result.Parameters;
        Assert.Equal(4 * ((d * bits + 7) / 8), metrics["basis_bytes"]!.GetValue<long>());
        Assert.True(result.Final.Accuracy > 0.5, $"accuracy {result.Final.Accuracy}");
    }

    [Fact]
    public void Run_ResumedAfterTwoEpochs_EndsWithTheSameWeightsAsAnUninterruptedRun()
    {
        var straight = Path.Combine(_dir.FullName, "straight");
        var resumed = Path.Combine(_dir.FullName, "resumed");
        JobRunner.Run(Job(arch: "mlp", twa: "snapshots: {from: 0, to: 3}"), new RunOptions(straight));
        // Stopped right after epoch 2's commit (540 training images in batches of 32: 17 steps per epoch). A rerun with
        // epochs: 3 after a finished 2-epoch run would be another job (its fingerprint differs) and is refused.
        var stepsPerEpoch = new EpochSampler(540, 32, 5, 0).BatchCount;
        Assert.Throws<Twa.Training.Distributed.GenerationChangedException>(() => JobRunner.Run(Job(arch: "mlp", twa: "snapshots: {from: 0, to: 3}"), new RunOptions(resumed)
        {
            AfterStep = (phase, step) =>
            {
                if (phase == "base" && step == 2 * stepsPerEpoch)
                {
                    throw new Twa.Training.Distributed.GenerationChangedException(1, 2);
                }
            },
        }));
        var lines = new List<string>();
        JobRunner.Run(Job(arch: "mlp", twa: "snapshots: {from: 0, to: 3}"), new RunOptions(resumed, Log: lines.Add));

        Assert.Contains(lines, l => l.StartsWith("base: resuming after epoch 2", StringComparison.Ordinal));
        using var a = Torch.Serialization.SafetensorsFile.Read(Path.Combine(straight, "model.safetensors"));
        using var b = Torch.Serialization.SafetensorsFile.Read(Path.Combine(resumed, "model.safetensors"));
        Assert.Equal(a["fc1.weight"].ToArray<float>(), b["fc1.weight"].ToArray<float>());
    }

    [Fact]
    public void Run_DivergingLearningRate_ThrowsNamingThePhaseAndLeavesNoMetrics()
    {
        var output = Path.Combine(_dir.FullName, "nan");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "metrics.json"), "{\"stale\": true}");
        var e = Assert.Throws<TrainingDivergedException>(() => JobRunner.Run(Job(arch: "mlp", lr: 1e12), new RunOptions(output)));
        Assert.Contains("base training, epoch 1", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "metrics.json")));
    }

    [Fact]
    public void Run_DivergingDuringTwa_ThrowsNamingTwa()
    {
        var e = Assert.Throws<TrainingDivergedException>(() =>
            JobRunner.Run(Job(arch: "mlp", twaLr: 1e15), new RunOptions(Path.Combine(_dir.FullName, "twa-nan"))));
        Assert.StartsWith("TWA, epoch 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Swa_OfStoredSnapshots_IsTheirArithmeticMean()
    {
        // Case 19: SWA's weights are exactly the mean of the selected snapshots.
        var output = Path.Combine(_dir.FullName, "swa");
        JobRunner.Run(Job(arch: "mlp", epochs: 2, twa: "snapshots: {from: 0, to: 3}"), new RunOptions(output));
        var store = new Stores.LocalSnapshotStore(Path.Combine(output, "snapshots"));
        var data = DatasetCatalog.Load(new DataSpec { Path = Data, HoldoutFraction = 0.1 }, 10, 5);
        using var model = new Mlp([1, 28, 28], 10);
        var ctx = new PhaseContext(model, data, 32, 5, store, _ => { });
        Twa.Training.Averaging.SwaBaseline.Evaluate(ctx, [0, 1, 2]);
        using var scope = new TensorScope();
        var expected = store.ReadColumns(0, 0, model.Parameters.NumElements).Add(store.ReadColumns(1, 0, model.Parameters.NumElements))
            .Add(store.ReadColumns(2, 0, model.Parameters.NumElements)).Div(3.0);
        Assert.True(model.Parameters.Flat.Sub(expected).Abs().Max().Item() < 1e-6);
    }

    [Fact]
    public void Run_SnapshotRangeBeyondStore_NamesWhatExists()
    {
        var job = Job() with { };
        var twaOnly = job with { Spec = job.Spec with { Training = job.Spec.Training with { Base = null, Baselines = [] } } };
        var e = Assert.Throws<Stores.SnapshotNotFoundException>(() => JobRunner.Run(twaOnly, new RunOptions(Path.Combine(_dir.FullName, "empty"))));
        Assert.Contains("selects snapshot(s) 0, 1, 2, 3 but the store has none", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RefreshBatchNorm_ShuffledData_GivesTheSameStatistics()
    {
        // Case 20: the exact BN update is a size-weighted average, independent of the batch order.
        var data = DatasetCatalog.Load(new DataSpec { Path = Data }, 10, 1);
        var shuffled = data.Train.Subset(new SplitMix64(3).Permutation(data.Train.Count));
        using var model = new CifarResNet(8, [1, 28, 28], 10);
        using var g = new Generator(2);
        model.Initialize(g);
        Evaluator.RefreshBatchNorm(model, data.Train, data.Mean, data.Std, dropoutSeed: 0, batchSize: 64);
        var first = model.Buffers[0].Tensor.ToArray<float>();
        Evaluator.RefreshBatchNorm(model, shuffled, data.Mean, data.Std, dropoutSeed: 0, batchSize: 100);
        var second = model.Buffers[0].Tensor.ToArray<float>();
        for (var i = 0; i < first.Length; i++)
        {
            Assert.Equal(first[i], second[i], 5);
        }
    }
}
