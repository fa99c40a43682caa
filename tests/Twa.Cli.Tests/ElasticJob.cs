using System.Text.Json.Nodes;

namespace Twa.Cli.Tests;

/// <summary>The job every elasticity test runs (1,080 training images in global batches of 25: 44 steps per epoch, 2
/// base epochs then 2 TWA epochs = 88 TWA steps) and its unresized one-worker result, computed once per test class.</summary>
public class ElasticJob : IAsyncLifetime
{
    /// <summary>TWA epochs of the job.</summary>
    protected virtual int TwaEpochs => 2;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-elastic-");

    public string Root => _dir.FullName;

    public string JobFile { get; private set; } = "";

    public JsonNode Reference { get; private set; } = new JsonObject();

    public async Task InitializeAsync()
    {
        var data = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        TestJobs.WriteImages(data, trainCount: 1200);
        JobFile = await TestJobs.WriteAsync(Root, data, "snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}", TwaEpochs);
        var output = Path.Combine(Root, "reference");
        var r = await TwaProcess.RunAsync(TimeSpan.FromSeconds(300), null, "train", JobFile, "--out", output, "--workers", "1");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Reference = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")))!;
    }

    public Task DisposeAsync()
    {
        _dir.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary><see cref="ElasticJob"/> with 10 TWA epochs (440 steps, about 4 s on 2 cores) for tests that resize the job
/// from outside at a point in time, not at a step: 2 TWA epochs last under a second, and a scale-down published "mid-TWA"
/// once arrived after the job had finished.</summary>
public sealed class LongTwaElasticJob : ElasticJob
{
    protected override int TwaEpochs => 10;
}
