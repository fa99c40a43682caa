using StackExchange.Redis;
using Twa.Testing.Redis;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

public sealed class RedisSnapshotStoreIntegrationTests : SnapshotStoreContractTests, IClassFixture<RedisTestServer>, IDisposable
{
    private readonly RedisConnection _redis;
    private readonly RedisTestServer _server;
    private readonly JobKeyPrefix _prefix = JobKeyPrefix.ForLocalRun("snapshots");

    public RedisSnapshotStoreIntegrationTests(RedisTestServer server)
    {
        _server = server;
        _redis = RedisConnection.Connect(new RedisStoreOptions { Endpoints = [server.Endpoint], RetryBudget = TimeSpan.FromSeconds(10) });
    }

    public void Dispose()
    {
        _redis.DeletePrefix(_prefix.Value);
        _redis.Dispose();
    }

    protected override ISnapshotStore CreateStore() => new RedisSnapshotStore(_redis, _prefix, ChunkBytes);

    protected override string LocationOf(ISnapshotStore store, int index) => ((RedisSnapshotStore)store).KeyOf(index);

    private RedisKey VersionKey(ISnapshotStore store, int index)
    {
        var pointer = LocationOf(store, index);
        return $"{pointer}:{(string)_redis.Database.StringGet(pointer)!}";
    }

    protected override void CorruptChunk(ISnapshotStore store, int index, int chunk)
    {
        var key = VersionKey(store, index);
        var bytes = (byte[])_redis.Database.HashGet(key, $"0:{chunk}")!;
        bytes[5] ^= 0x40;
        _redis.Database.HashSet(key, $"0:{chunk}", bytes);
    }

    protected override void Truncate(ISnapshotStore store, int index)
    {
        var key = VersionKey(store, index);
        var last = $"0:{(D * 4 - 1) / ChunkBytes}";
        var bytes = (byte[])_redis.Database.HashGet(key, last)!;
        _redis.Database.HashSet(key, last, bytes[..^3]);
    }

    [Fact]
    public void ReadColumns_MissingChunk_ThrowsNamingKeyAndField()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        var key = VersionKey(store, 0);
        _redis.Database.HashDelete(key, "0:3");
        var e = Assert.Throws<StoreCorruptException>(() => store.ReadColumns(0, 0, D).Dispose());
        Assert.Contains((string)key!, e.Message, StringComparison.Ordinal);
        Assert.Contains("'0:3'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadColumns_CorruptHeader_ThrowsNamingKey()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        var key = VersionKey(store, 0);
        var header = (byte[])_redis.Database.HashGet(key, "m")!;
        header[12] ^= 1;
        _redis.Database.HashSet(key, "m", header);
        var e = Assert.Throws<StoreCorruptException>(() => store.ParameterCount(0));
        Assert.Contains((string)key!, e.Message, StringComparison.Ordinal);
        Assert.Contains("header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_Replacing_OldVersionExpiresAndPointerSwitches()
    {
        var store = new RedisSnapshotStore(_redis, _prefix, ChunkBytes) { ReplacedGrace = TimeSpan.FromSeconds(5) };
        SaveVector(store, 0, Values(0));
        var first = VersionKey(store, 0);
        Assert.Equal(-1, (long?)_redis.Database.KeyTimeToLive(first)?.TotalMilliseconds ?? -1);
        SaveVector(store, 0, Values(1));
        var second = VersionKey(store, 0);
        Assert.NotEqual(first, second);
        Assert.NotNull(_redis.Database.KeyTimeToLive(first));
        Assert.Null(_redis.Database.KeyTimeToLive(second));
    }

    [Fact]
    public void Save_AllKeys_StartWithTheJobPrefix()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        SaveVector(store, 1, Values(1));
        var server = _redis.Database.Multiplexer.GetServers()[0];
        var keys = server.Keys(pattern: _prefix.Value + "*").Select(k => (string)k!).ToArray();
        Assert.Equal(5, keys.Length); // index + 2 pointers + 2 versions
        Assert.All(keys, k => Assert.StartsWith($"twa:local:snapshots:{_prefix.Uid}:snap:", k, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(15, 2, 2)]
    [InlineData(16, 16, 1)]
    [InlineData(40, 30, 3)]
    [InlineData(0, D, 7)]
    public void ReadColumns_Range_FetchesOnlyTheCoveringChunks(int start, int count, int chunks)
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        var before = HgetCalls();
        using (var part = store.ReadColumns(0, start, count))
        {
            Assert.Equal(Values(0).Skip(start).Take(count).ToArray(), part.ToArray<float>());
        }

        Assert.Equal(chunks + 1, HgetCalls() - before); // + the header, read by the resolve script
    }

    /// <summary>Server-side count of HGET commands so far (INFO commandstats).</summary>
    private long HgetCalls()
    {
        var info = _server.Info("commandstats");
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_hget:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
