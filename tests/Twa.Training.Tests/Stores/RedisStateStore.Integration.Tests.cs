using Twa.Testing.Redis;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

public sealed class RedisStateStoreIntegrationTests : StateStoreContractTests, IClassFixture<RedisTestServer>, IDisposable
{
    private readonly RedisConnection _redis;
    private readonly JobKeyPrefix _prefix = JobKeyPrefix.ForLocalRun("state");

    public RedisStateStoreIntegrationTests(RedisTestServer server)
    {
        _redis = RedisConnection.Connect(new RedisStoreOptions { Endpoints = [server.Endpoint], RetryBudget = TimeSpan.FromSeconds(10) });
    }

    public void Dispose()
    {
        _redis.DeletePrefix(_prefix.Value);
        _redis.Dispose();
    }

    protected override IStateStore CreateStore() => new RedisStateStore(_redis, _prefix, chunkBytes: 64);

    protected override string LocationOfLatest(IStateStore store, string slot)
    {
        var pointer = ((RedisStateStore)store).KeyOf(slot);
        return $"{pointer}:{(string)_redis.Database.HashGet(pointer, "ver")!}";
    }

    protected override void CorruptLatest(IStateStore store, string slot)
    {
        var key = LocationOfLatest(store, slot);
        var bytes = (byte[])_redis.Database.HashGet(key, "1:2")!; // tensor 1 (optimizer.momentum), chunk 2
        bytes[0] ^= 1;
        _redis.Database.HashSet(key, "1:2", bytes);
    }
}
