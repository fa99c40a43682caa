namespace Twa.Cli.Tests;

/// <summary>`twa train` rerun into an --out directory whose committed state it cannot resume: state of another job is
/// exit code 2, damaged state exit code 4 - one `twa: error:` line naming the field or the file, no stack trace, with
/// one worker and with several (where a crashed worker would read as "every worker was lost", exit code 6).</summary>
[Collection(LocalWorkers.Name)]
public sealed class TrainStateIntegrationTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(180);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-cli-state-");

    public TrainStateIntegrationTests() => TestJobs.WriteImages(Data);

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    private string Output => Path.Combine(_dir.FullName, "out");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Writes a base-only job (MLP, 1 epoch) and trains it into <see cref="Output"/>.</summary>
    private async Task<string> TrainOnceAsync()
    {
        var job = Path.Combine(_dir.FullName, "job.yaml");
        await File.WriteAllTextAsync(job, $$"""
            apiVersion: twa.dev/v1alpha1
            kind: TwaJob
            metadata: {name: state}
            spec:
              training:
                seed: 4
                model: {arch: mlp}
                data: {path: {{Data}}, batchSize: 25, holdoutFraction: 0.1}
                base: {epochs: 1, optimizer: {lr: 0.05} }
            """);
        var r = await TwaProcess.RunAsync(s_timeout, null, "train", job, "--out", Output, "--threads", "2");
        Assert.True(r.ExitCode == 0, $"the first run exited {r.ExitCode}:\n{r.StdErr}");
        return job;
    }

    /// <summary>The error lines of <paramref name="r"/> (at least one), after checking there is no stack trace.</summary>
    private static string[] ErrorLines(TwaProcess.Result r)
    {
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", r.StdErr, StringComparison.Ordinal);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("twa: error:", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(lines);
        return lines;
    }

    /// <summary>Flips one bit of the last byte (tensor data) of the latest committed base state; returns its path.</summary>
    private string CorruptLatestState()
    {
        var directory = Path.Combine(Output, "state", "base");
        var path = Path.Combine(directory, File.ReadAllText(Path.Combine(directory, "LATEST")).Trim());
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact(Timeout = 300_000)]
    public async Task Train_RerunWithAnotherSeed_Exits2NamingTheSeed()
    {
        var job = await TrainOnceAsync();

        var r = await TwaProcess.RunAsync(s_timeout, null, "train", job, "--out", Output, "--threads", "2", "--seed", "2");

        Assert.True(r.ExitCode == 2, $"exit code {r.ExitCode}:\n{r.StdErr}");
        var state = Path.Combine(Output, "state");
        Assert.Contains($"spec.training.seed: 4 in {state}, 2 in this job; use another --out directory or store, or delete {state}",
            Assert.Single(ErrorLines(r)), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Output, "metrics.json")));
    }

    [Fact(Timeout = 300_000)]
    public async Task Train_CorruptCommittedState_Exits4WithOneLineNamingTheFile()
    {
        var job = await TrainOnceAsync();
        var path = CorruptLatestState();

        var r = await TwaProcess.RunAsync(s_timeout, null, "train", job, "--out", Output, "--threads", "2");

        Assert.True(r.ExitCode == 4, $"exit code {r.ExitCode}:\n{r.StdErr}");
        Assert.StartsWith($"twa: error: {path}: ", Assert.Single(ErrorLines(r)), StringComparison.Ordinal);
    }

    [Fact(Timeout = 300_000)]
    public async Task Train_CorruptCommittedStateWithTwoWorkers_Exits4NotAsLostWorkers()
    {
        var job = await TrainOnceAsync();
        var path = CorruptLatestState();

        var r = await TwaProcess.RunAsync(s_timeout, null, "train", job, "--out", Output, "--threads", "2", "--workers", "2");

        Assert.True(r.ExitCode == 4, $"exit code {r.ExitCode}:\n{r.StdErr}");
        Assert.DoesNotContain("was lost", r.StdErr, StringComparison.Ordinal);
        Assert.All(ErrorLines(r), l => Assert.Contains($": {path}: ", l, StringComparison.Ordinal));
    }
}
