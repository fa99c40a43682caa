using System.Globalization;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using Twa.Jobs.Operator;
using Twa.Testing.Redis;
using Xunit.Abstractions;

namespace Twa.Cli.Tests;

/// <summary>`twa worker` as a pod (OPERATOR.md 4.2-4.4): the TWA_* env of the operator, membership from a record in a
/// real redis-server written the way the operator writes it (SET + PUBLISH), real worker processes. A scale-down
/// generation removes a member (exit 0, "removed"), rank 0 completes with the coefficients of the unresized local run
/// and leaves its result in Redis; a record of another job UID is ignored; bad env ends with exit 3 and a termination
/// message naming the variable.</summary>
[Collection(LocalWorkers.Name)]
public sealed class PodWorkerIntegrationTests(LongTwaElasticJob job, ITestOutputHelper output) : IClassFixture<LongTwaElasticJob>
{
    private const string Ns = "ml";
    private const string JobName = "workers"; // the name in the fixture's job file
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(300);

    private static Dictionary<string, string> PodEnv(string uid, int ordinal, RedisTestServer redis, string terminationLog) => new()
    {
        ["TWA_JOB_NAME"] = JobName,
        ["TWA_JOB_NAMESPACE"] = Ns,
        ["TWA_JOB_UID"] = uid,
        ["TWA_POD_NAME"] = $"{JobName}-worker-{ordinal}",
        ["TWA_ORDINAL"] = ordinal.ToString(CultureInfo.InvariantCulture),
        ["TWA_STORE"] = redis.Uri,
        ["TWA_REDIS_TLS"] = "false",
        ["TWA_KEY_PREFIX"] = $"twa:{Ns}:{JobName}:{uid}:",
        ["TWA_DEVICE"] = "cpu",
        ["TWA_COLLECTIVE_TIMEOUT_SECONDS"] = "60",
        ["TWA_RENDEZVOUS_TIMEOUT_SECONDS"] = "60",
        ["TWA_METRICS_PORT"] = "0",
        ["TWA_DIST_BASE_PORT"] = "0",
        ["TWA_DIST_HOST_OVERRIDE"] = "127.0.0.1",
        ["TWA_TERMINATION_LOG"] = terminationLog,
        ["OMP_NUM_THREADS"] = "1",
    };

    private static MembershipRecord Record(string uid, long generation, int storePort, string reason, params int[] ordinals) => new()
    {
        JobUid = uid,
        Generation = generation,
        Store = new StoreEndpoint("127.0.0.1", storePort),
        Members = [.. ordinals.Order().Select((o, rank) => new MembershipMember($"{JobName}-worker-{o}", o, rank))],
        Reason = reason,
        PublishedTime = DateTimeOffset.UtcNow,
    };

    private static void Publish(IDatabase db, string uid, MembershipRecord record)
    {
        var prefix = $"twa:{Ns}:{JobName}:{uid}:";
        db.StringSet(MembershipKeys.Record(prefix), record.ToJson());
        db.Publish(RedisChannel.Literal(MembershipKeys.Channel(prefix)), record.Generation);
    }

    [Fact(Timeout = 600_000)]
    public async Task Worker_PodsFollowRedisGenerations_RemovedMemberExitsAndRankZeroCompletesWithTheUnresizedCoefficients()
    {
        using var redis = new RedisTestServer();
        using var mux = await ConnectionMultiplexer.ConnectAsync(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redis.Port},allowAdmin=true"));
        var db = mux.GetDatabase();
        var uid = Guid.NewGuid().ToString("N");
        var prefix = $"twa:{Ns}:{JobName}:{uid}:";
        var dir = Directory.CreateTempSubdirectory("twa-pods-").FullName;
        string Log(int o) => Path.Combine(dir, $"termination-{o}.json");

        // A stale record of another job under this prefix must be ignored (the workers stay standby).
        Publish(db, uid, Record("someone-else", 7, RedisTestServer.FreePort(), "ScaleUp", 0, 1));
        var workers = Enumerable.Range(0, 2).Select(o => TwaProcess.RunAsync(s_runTimeout, PodEnv(uid, o, redis, Log(o)),
            "worker", "--job", job.JobFile, "--out", Path.Combine(dir, $"out-{o}"))).ToArray();
        // Wait until both workers are connected to Redis, then for more than one poll period of their watchers.
        var connected = System.Diagnostics.Stopwatch.StartNew();
        while (((string)db.Execute("CLIENT", "LIST")!).Split('\n').Count(l => l.Contains(" name=twa ", StringComparison.Ordinal)) < 2)
        {
            Assert.True(connected.Elapsed < TimeSpan.FromSeconds(60), "the workers did not connect to Redis within 60 s");
            Assert.All(workers, w => Assert.False(w.IsCompleted, "a worker exited before any generation"));
            await Task.Delay(100);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.All(workers, w => Assert.False(w.IsCompleted));
        Publish(db, uid, Record(uid, 1, RedisTestServer.FreePort(), "ScaleUp", 0, 1));

        // Scale down to ordinal 0 once TWA committed (mid-TWA).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!db.KeyExists(prefix + "state:twa") && clock.Elapsed < s_runTimeout)
        {
            Assert.All(workers, w => Assert.False(w.IsCompleted, "a worker exited before the scale-down"));
            await Task.Delay(100);
        }

        Assert.True(db.KeyExists(MembershipKeys.Joined(prefix, 1, 0)) && db.KeyExists(MembershipKeys.Joined(prefix, 1, 1)), "both ranks marked their join of generation 1");
        Publish(db, uid, Record(uid, 2, RedisTestServer.FreePort(), "ScaleDown", 0));
        var results = await Task.WhenAll(workers);
        foreach (var (r, o) in results.Select((r, o) => (r, o)))
        {
            output.WriteLine($"--- worker {o}: exit {r.ExitCode}\n{r.StdErr[Math.Max(0, r.StdErr.Length - 3000)..]}");
        }

        Assert.True(results[1].ExitCode == 0, results[1].StdErr);
        var removed = JsonNode.Parse(await File.ReadAllTextAsync(Log(1)))!;
        Assert.Equal("removed", (string?)removed["result"]);
        Assert.Equal(2, (int)removed["generation"]!);
        Assert.False(removed.AsObject().ContainsKey("rank"));

        Assert.True(results[0].ExitCode == 0, results[0].StdErr);
        Assert.Contains("ignoring a record of job UID someone-else", results[0].StdErr, StringComparison.Ordinal);
        var completed = JsonNode.Parse(await File.ReadAllTextAsync(Log(0)))!;
        Assert.Equal("completed", (string?)completed["result"]);
        Assert.Equal(2, (int)completed["generation"]!);
        Assert.Equal(0, (int)completed["rank"]!);
        var stored = JsonNode.Parse(db.StringGet(MembershipKeys.Result(prefix)).ToString())!;
        var difference = TestJobs.RelativeDifference(TestJobs.Coefficients(job.Reference), TestJobs.Coefficients(stored));
        output.WriteLine($"relative coefficient difference to the unresized local run: {difference:E2}");
        Assert.True(difference < 1e-4, $"relative coefficient difference {difference:E2}");
        var accuracy = job.Reference["final"]!["test_accuracy"]!.GetValue<double>();
        Assert.Equal(accuracy, stored["final"]!["test_accuracy"]!.GetValue<double>());
        Assert.Equal(accuracy, completed["testAccuracy"]!.GetValue<double>(), 12);
        Directory.Delete(dir, recursive: true);
    }

    [Fact(Timeout = 120_000)]
    public async Task Worker_PodEnvWithoutKeyPrefix_ExitsThreeWithTerminationMessageNamingIt()
    {
        using var redis = new RedisTestServer();
        var dir = Directory.CreateTempSubdirectory("twa-pods-").FullName;
        var log = Path.Combine(dir, "termination.json");
        var env = PodEnv("u1", 0, redis, log);
        env["TWA_KEY_PREFIX"] = "";
        var r = await TwaProcess.RunAsync(TimeSpan.FromSeconds(60), env, "worker", "--job", job.JobFile);
        Assert.Equal(3, r.ExitCode);
        var message = JsonNode.Parse(await File.ReadAllTextAsync(log))!;
        Assert.Equal("error", (string?)message["result"]);
        Assert.Contains("TWA_KEY_PREFIX is not set", (string?)message["message"], StringComparison.Ordinal);
        Assert.Contains("TWA_KEY_PREFIX is not set", r.StdErr, StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [Fact(Timeout = 120_000)]
    public async Task Worker_NeitherRendezvousNorPodEnv_ExitsTwoNamingBoth()
    {
        var r = await TwaProcess.RunAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["TWA_JOB_UID"] = "" }, "worker", "--job", job.JobFile);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--rendezvous", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("TWA_JOB_UID", r.StdErr, StringComparison.Ordinal);
    }
}
