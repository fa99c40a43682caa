using StackExchange.Redis;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;
using Twa.Operator.Runtime;
using Twa.Testing.Redis;

namespace Twa.Operator.Tests.Runtime;

public sealed class MembershipStoreIntegrationTests
{
    private static MembershipRecord Record(long generation) => new()
    {
        JobUid = "uid-1",
        Generation = generation,
        Members = [new MembershipMember("j-worker-0", 0, 0)],
        Store = new StoreEndpoint("j-worker-0.j.ns.svc", 29500 + (int)(generation % 8)),
        Reason = "ScaleUp",
        PublishedTime = DateTimeOffset.UnixEpoch,
    };

    [Fact(Timeout = 30_000)]
    public async Task PublishAsync_CompareAndSet_OnlyNewerGenerationsWrittenAndAnnounced()
    {
        using var redis = new RedisTestServer();
        using var store = new MembershipStore(new OperatorMetrics("test"));
        var endpoint = new RedisEndpoint(redis.Endpoint, 0, false, null);
        const string prefix = "twa:ns:j:uid-1:";
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        var announced = new List<string>();
        await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(MembershipStore.ChannelName(prefix)), (_, v) =>
        {
            lock (announced)
            {
                announced.Add(v.ToString());
            }
        });

        Assert.Null(await store.ReadAsync(endpoint, prefix));
        Assert.True(await store.PublishAsync(endpoint, prefix, Record(2)));
        Assert.False(await store.PublishAsync(endpoint, prefix, Record(2)));
        Assert.False(await store.PublishAsync(endpoint, prefix, Record(1)));
        Assert.True(await store.PublishAsync(endpoint, prefix, Record(3)));
        Assert.Equal(3, (await store.ReadAsync(endpoint, prefix))!.Generation);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            lock (announced)
            {
                if (announced.Count >= 2 || DateTime.UtcNow > deadline)
                {
                    // Each newer generation announced once. Not in order: StackExchange.Redis may run two message
                    // handlers concurrently (seen once as ["3", "2"]), and workers take a message only as a cue to re-read.
                    Assert.Equal(["2", "3"], announced.Order(StringComparer.Ordinal));
                    break;
                }
            }

            await Task.Delay(20);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task DeletePrefixAsync_ManyKeys_DeletesOnlyThePrefixGlobCharactersLiteral()
    {
        using var redis = new RedisTestServer();
        using var store = new MembershipStore(new OperatorMetrics("test"));
        var endpoint = new RedisEndpoint(redis.Endpoint, 0, false, null);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        var db = mux.GetDatabase();
        const string prefix = "twa:ns:j*:uid:";
        for (var i = 0; i < 1200; i++)
        {
            await db.StringSetAsync($"{prefix}snapshot:{i}", "x");
        }

        await db.StringSetAsync("twa:ns:jx:uid:membership", "other job");
        await db.StringSetAsync("twa:ns:j*:uid2:membership", "other uid");
        Assert.Equal(1200, await store.DeletePrefixAsync(endpoint, prefix));
        Assert.True(await db.KeyExistsAsync("twa:ns:jx:uid:membership"));
        Assert.True(await db.KeyExistsAsync("twa:ns:j*:uid2:membership"));
        Assert.False(await db.KeyExistsAsync(prefix + "snapshot:7"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ReadAsync_UnreachableRedis_ThrowsRedisExceptionQuickly()
    {
        using var store = new MembershipStore(new OperatorMetrics("test"), TimeSpan.FromSeconds(1));
        using var closed = new ClosedPort();
        var endpoint = new RedisEndpoint(closed.Endpoint, 0, false, null);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<RedisException>(() => store.ReadAsync(endpoint, "twa:ns:j:uid:"));
        await Assert.ThrowsAnyAsync<RedisException>(() => store.ReadAsync(endpoint, "twa:ns:j:uid:"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
