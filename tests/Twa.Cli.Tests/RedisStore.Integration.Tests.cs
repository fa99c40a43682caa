using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Twa.Testing.Redis;
using Xunit.Abstractions;

namespace Twa.Cli.Tests;

/// <summary>`twa train --store redis://` for real (issue 4, deliverable 5): two workers keep snapshots and committed
/// state in a real redis-server; a SIGKILL of redis-server mid-TWA and a restart on the same port and data directory
/// pause the workers with one log line each and the job ends with the coefficients of the same job on a local store;
/// a store on a closed port fails at once, naming the endpoint, and so does a Redis Cluster node.</summary>
[Collection(LocalWorkers.Name)]
public sealed class RedisStoreIntegrationTests : IDisposable
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(300);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-redis-store-");
    private readonly ITestOutputHelper _output;

    public RedisStoreIntegrationTests(ITestOutputHelper output)
    {
        _output = output;
        TestJobs.WriteImages(Data, trainCount: 1200);
    }

    private string Data => Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private Task<string> JobAsync() => TestJobs.WriteAsync(_dir.FullName, Data, "snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}", twaEpochs: 2);

    private static async Task<JsonNode> MetricsAsync(string output) =>
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")))!;

    [Fact(Timeout = 600_000)]
    public async Task Train_TwoWorkersRedisKilledAndRestartedMidTwa_PausesResumesAndMatchesTheLocalStore()
    {
        using var redis = RedisTestServer.StartAppendOnly();
        var job = await JobAsync();
        var local = Path.Combine(_dir.FullName, "local");
        var reference = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", local, "--workers", "2", "--threads", "2");
        Assert.True(reference.ExitCode == 0, reference.StdErr);

        var output = Path.Combine(_dir.FullName, "redis");
        var run = TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", output, "--workers", "2", "--threads", "2", "--store", redis.Uri);
        var clock = Stopwatch.StartNew();
        while (redis.CountKeys("twa:local:workers:*:state:twa*") == 0 && !run.IsCompleted && clock.Elapsed < s_runTimeout)
        {
            await Task.Delay(10);
        }

        if (run.IsCompleted)
        {
            Assert.Fail($"the run ended before TWA committed to Redis:\n{(await run).StdErr}");
        }

        redis.Kill();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(run.IsCompleted, "the run ended while Redis was down");
        redis.Restart();
        var r = await run;

        _output.WriteLine(r.StdErr);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var endpoint = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redis.Port}");
        var pauses = r.StdErr.Split('\n').Where(l => l.Contains($"redis at {endpoint} unavailable", StringComparison.Ordinal)).ToArray();
        Assert.InRange(pauses.Length, 1, 2); // one line per worker that touched the store while it was down
        Assert.All(pauses, l => Assert.StartsWith("twa: worker ", l, StringComparison.Ordinal));
        Assert.Contains("is back after", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("under key prefix twa:local:workers:", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "snapshots")), "snapshots were written to the local directory");
        Assert.False(Directory.Exists(Path.Combine(output, "state")), "state was written to the local directory");
        Assert.Equal(3, redis.CountKeys("twa:local:workers:*:snap:?")); // snapshots 0, 1, 2 of 2 base epochs

        var difference = TestJobs.RelativeDifference(TestJobs.Coefficients(await MetricsAsync(local)), TestJobs.Coefficients(await MetricsAsync(output)));
        _output.WriteLine($"relative coefficient difference Redis (restarted mid-TWA) vs local store: {difference:E2}");
        Assert.True(difference < 1e-4, $"relative coefficient difference {difference:E2}");
    }

    [Fact(Timeout = 120_000)]
    public async Task Train_StoreOnAClosedPort_FailsFastNamingTheEndpoint()
    {
        var job = await JobAsync();
        using var closed = new ClosedPort();

        var clock = Stopwatch.StartNew();
        var r = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", Path.Combine(_dir.FullName, "dead"), "--workers", "2",
            "--store", string.Create(CultureInfo.InvariantCulture, $"redis://:secret@{closed.Endpoint}/0"));

        _output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {r.StdErr}");
        Assert.Equal(7, r.ExitCode);
        Assert.Single(r.StdErr.Split('\n'), l => l.StartsWith("twa: error: ", StringComparison.Ordinal));
        Assert.Contains(closed.Endpoint, r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("twa: worker", r.StdErr, StringComparison.Ordinal); // no worker was started
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact(Timeout = 120_000)]
    public async Task Train_StoreOnARedisClusterNode_Exits2NamingTheEndpointAndWhatToUse()
    {
        using var cluster = RedisTestServer.Start(new RedisTestServerOptions { Cluster = true });
        var job = await JobAsync();
        var output = Path.Combine(_dir.FullName, "cluster");

        var r = await TwaProcess.RunAsync(s_runTimeout, null, "train", job, "--out", output, "--workers", "2", "--store", cluster.Uri);

        _output.WriteLine(r.StdErr);
        Assert.Equal(2, r.ExitCode);
        var error = Assert.Single(r.StdErr.Split('\n'), l => l.StartsWith("twa: error: ", StringComparison.Ordinal));
        Assert.Contains($"redis at {cluster.Endpoint} is a Redis Cluster node; the snapshot store needs a standalone Redis primary", error, StringComparison.Ordinal);
        Assert.DoesNotContain("twa: worker", r.StdErr, StringComparison.Ordinal); // refused before any worker started
        Assert.False(File.Exists(Path.Combine(output, "metrics.json")));
        Assert.Equal(0, cluster.CountKeys("*")); // nothing written
    }

    [Fact(Timeout = 300_000)]
    public async Task Train_PasswordFromEnvironment_RunsInProcessAndAWrongPasswordFailsNamingTheFix()
    {
        using var redis = RedisTestServer.Start(new RedisTestServerOptions { Password = "s3cret-pw" });
        var job = await TestJobs.WriteAsync(_dir.FullName, Data, "snapshots: {from: 0, to: 3}\n      optimizer: {lr: 1.0}");

        var ok = await TwaProcess.RunAsync(s_runTimeout, new Dictionary<string, string> { ["TWA_REDIS_PASSWORD"] = "s3cret-pw" },
            "train", job, "--out", Path.Combine(_dir.FullName, "password"), "--workers", "1", "--threads", "2", "--store", redis.Uri);
        var wrong = await TwaProcess.RunAsync(s_runTimeout, new Dictionary<string, string> { ["TWA_REDIS_PASSWORD"] = "nope" },
            "train", job, "--out", Path.Combine(_dir.FullName, "wrong"), "--workers", "2", "--store", redis.Uri.Replace("redis://", "redis://:s3cret-pw@", StringComparison.Ordinal));

        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "password", "metrics.json")));
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "password", "snapshots")));
        Assert.Equal(7, wrong.ExitCode);
        Assert.Contains("refused the credentials", wrong.StdErr, StringComparison.Ordinal);
        Assert.Contains("TWA_REDIS_PASSWORD", wrong.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", wrong.StdErr, StringComparison.Ordinal);
    }
}
