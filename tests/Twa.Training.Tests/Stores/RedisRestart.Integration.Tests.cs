using System.Collections.Concurrent;
using System.Diagnostics;
using Twa.Testing.Redis;
using Twa.Torch;
using Twa.Training.Stores;
using Xunit.Abstractions;

namespace Twa.Training.Tests.Storage;

/// <summary>Redis going away mid-run: a crash and restart with persistence pauses store calls and resumes them; a
/// server that stays down ends in <see cref="StoreUnavailableException"/> after the retry budget.</summary>
public sealed class RedisRestartIntegrationTests(ITestOutputHelper output)
{
    [Fact(Timeout = 120_000)]
    public async Task Commit_RedisKilledAndRestartedMidRun_PausesWithOneLogLineAndResumes()
    {
        using var server = RedisTestServer.StartAppendOnly();
        var log = new ConcurrentQueue<string>();
        using var redis = RedisConnection.Connect(new RedisStoreOptions
        {
            Endpoints = [server.Endpoint],
            RetryBudget = TimeSpan.FromSeconds(60),
            Log = log.Enqueue,
        });
        var prefix = JobKeyPrefix.ForLocalRun("restart");
        var state = new RedisStateStore(redis, prefix, chunkBytes: 256);
        var snapshots = new RedisSnapshotStore(redis, prefix, chunkBytes: 256);
        using (var flat = Tensors.Arange(0, 1000, dtype: DType.Float32))
        {
            snapshots.Save(0, flat, [], new Dictionary<string, string>());
        }

        var committed = 0;
        var worker = Task.Run(() =>
        {
            for (var k = 1; k <= 60; k++)
            {
                using var coefficients = Tensors.Full([400], k);
                state.Commit("twa", new CommittedState { Step = k, Tensors = [(CommittedState.CoefficientsName, coefficients)] });
                using var latest = state.ReadLatest("twa")!;
                Assert.Equal(k, latest.Step);
                Assert.All(latest[CommittedState.CoefficientsName].ToArray<float>(), x => Assert.Equal(k, x));
                Volatile.Write(ref committed, k);
                Thread.Sleep(20);
            }
        });

        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref committed) < 10 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        server.Kill();
        var atKill = Volatile.Read(ref committed);
        await Task.Delay(1500);
        Assert.True(Volatile.Read(ref committed) <= atKill + 1, "commits went on while Redis was down");
        server.Restart();
        await worker;

        using var final = state.ReadLatest("twa")!;
        Assert.Equal(60, final.Step);
        Assert.Equal(60, final.Sequence);
        using var columns = snapshots.ReadColumns(0, 990, 10);
        Assert.Equal([990f, 991f, 992f, 993f, 994f, 995f, 996f, 997f, 998f, 999f], columns.ToArray<float>());
        var lines = log.ToArray();
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        output.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s from the first commit wait");
        Assert.Single(lines, l => l.Contains("unavailable", StringComparison.Ordinal) && l.Contains(server.Endpoint, StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("is back after", StringComparison.Ordinal));
        Assert.Equal(2, lines.Length);
        redis.DeletePrefix(prefix.Value);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadLatest_RedisStaysDown_ThrowsStoreUnavailableAfterBudget()
    {
        using var server = new RedisTestServer();
        using var redis = RedisConnection.Connect(new RedisStoreOptions { Endpoints = [server.Endpoint], RetryBudget = TimeSpan.FromSeconds(2) });
        var state = new RedisStateStore(redis, JobKeyPrefix.ForLocalRun("down"));
        server.Kill();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<StoreUnavailableException>(() => Task.Run(() => state.ReadLatest("twa")));
        Assert.Equal(server.Endpoint, e.Endpoint);
        Assert.Contains("stayed unavailable", e.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 20);
    }
}
