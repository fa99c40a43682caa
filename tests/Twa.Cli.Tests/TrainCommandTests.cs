using Twa.Torch;

namespace Twa.Cli.Tests;

/// <summary>`twa train` on bad input: one clear line, a non-zero exit code, and no metrics.json pretending success.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private const string Valid = """
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: cli}
        spec:
          training:
            model: {arch: lenet5}
            data: {path: /usr/share/datasets/fashion-mnist}
            base: {epochs: 2, optimizer: {lr: 0.05}}
            twa: {snapshots: {from: 0, to: 3}, epochs: 1}
        """;

    private async Task<(TwaProcess.Result Result, string Output)> TrainAsync(string yaml)
    {
        var job = Path.Combine(_dir.FullName, "job.yaml");
        await File.WriteAllTextAsync(job, yaml);
        var output = Path.Combine(_dir.FullName, "out");
        return (await TwaProcess.RunAsync(null, "train", job, "--out", output), output);
    }

    private static void AssertOneLineError(TwaProcess.Result r, int code, string expected)
    {
        Assert.Equal(code, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("twa: error:", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Train_TypoedField_Exits2WithSuggestion()
    {
        var (r, _) = await TrainAsync(Valid.Replace("epochs: 2,", "epocs: 2,", StringComparison.Ordinal));
        AssertOneLineError(r, 2, "spec.training.base.epocs (line 8, column 12): unknown field; did you mean 'epochs'?");
    }

    [Fact(Timeout = 60_000)]
    public async Task Train_UnknownArchitecture_Exits2()
    {
        var (r, _) = await TrainAsync(Valid.Replace("arch: lenet5", "arch: lenet6", StringComparison.Ordinal));
        AssertOneLineError(r, 2, "unknown architecture 'lenet6'");
    }

    [Fact(Timeout = 60_000)]
    public async Task Train_SnapshotRangeBeyondBaseTraining_Exits2()
    {
        var (r, _) = await TrainAsync(Valid.Replace("to: 3", "to: 7", StringComparison.Ordinal));
        AssertOneLineError(r, 2, "7 is beyond the 3 snapshots base training saves");
    }

    [Fact(Timeout = 60_000)]
    public async Task Train_MissingDataset_Exits4NamingThePath()
    {
        var (r, output) = await TrainAsync(Valid.Replace("/usr/share/datasets/fashion-mnist", "/nope/fmnist", StringComparison.Ordinal));
        AssertOneLineError(r, 4, "/nope/fmnist: dataset directory not found");
        Assert.False(File.Exists(Path.Combine(output, "metrics.json")));
    }

    [Fact(Timeout = 120_000)]
    public async Task Train_NaNLoss_Exits5AndLeavesNoMetrics()
    {
        var (r, output) = await TrainAsync(Valid.Replace("lr: 0.05", "lr: 1.0e+12", StringComparison.Ordinal));
        AssertOneLineError(r, 5, "the loss is NaN");
        Assert.False(File.Exists(Path.Combine(output, "metrics.json")));
    }

    [Theory(Timeout = 120_000)]
    [InlineData("", "", "(2 threads, OpenBLAS 1, projection {best})")]
    [InlineData("3", "", "(2 threads, OpenBLAS 3, projection {best})")]
    [InlineData("", "scalar", "(2 threads, OpenBLAS 1, projection scalar)")]
    [InlineData("", " AVX2 ", "(2 threads, OpenBLAS 1, projection avx2)")]
    public async Task Train_ThreadsAndKernels_LogsLibtorchsAndOpenBlasCountsAndTheProjectionSetAsApplied(string openBlasVariable, string isaVariable,
        string expected)
    {
        // OpenBLAS runs on 1 thread unless OPENBLAS_NUM_THREADS says otherwise; the projection kernels on the best set
        // this CPU offers unless TWA_PROJECTION_ISA pins a lower one (the job diverges at once: a short run).
        var job = Path.Combine(_dir.FullName, "job.yaml");
        await File.WriteAllTextAsync(job, Valid.Replace("lr: 0.05", "lr: 1.0e+12", StringComparison.Ordinal));
        var r = await TwaProcess.RunAsync(new Dictionary<string, string> { ["OPENBLAS_NUM_THREADS"] = openBlasVariable, [ProjectionKernels.Variable] = isaVariable },
            "train", job, "--out", Path.Combine(_dir.FullName, "out"), "--threads", "2");

        if (ProjectionKernels.IsaFor(isaVariable, ProjectionIsa.Avx512) > PackedProjection.BestIsa)
        {
            AssertOneLineError(r, 2, "but this CPU offers at most"); // AVX2 asked for on a CPU without it
            return;
        }

        Assert.Equal(5, r.ExitCode);
        Assert.Contains($"on cpu {expected.Replace("{best}", PackedProjection.NameOf(PackedProjection.BestIsa), StringComparison.Ordinal)}, ", r.StdErr,
            StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Train_UnknownProjectionSet_Exits2NamingTheVariableAndTheChoices()
    {
        var job = Path.Combine(_dir.FullName, "job.yaml");
        await File.WriteAllTextAsync(job, Valid);
        var output = Path.Combine(_dir.FullName, "out");
        var r = await TwaProcess.RunAsync(new Dictionary<string, string> { [ProjectionKernels.Variable] = "sse9" }, "train", job, "--out", output);

        AssertOneLineError(r, 2, "TWA_PROJECTION_ISA='sse9': expected one of avx512, avx2, scalar");
        Assert.False(Directory.Exists(output));
    }

    [Fact(Timeout = 60_000)]
    public async Task Train_MissingJobFile_Exits2()
    {
        var r = await TwaProcess.RunAsync(null, "train", Path.Combine(_dir.FullName, "absent.yaml"));
        AssertOneLineError(r, 2, "absent.yaml: file not found");
    }
}
