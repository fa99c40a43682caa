using System.Diagnostics;
using StackExchange.Redis;
using Twa.Testing.Redis;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

public sealed class RedisConnectionIntegrationTests : IClassFixture<RedisTestServer>
{
    private readonly RedisTestServer _server;

    public RedisConnectionIntegrationTests(RedisTestServer server) => _server = server;

    private RedisConnection Connect(int database = 0) =>
        RedisConnection.Connect(new RedisStoreOptions { Endpoints = [_server.Endpoint], Database = database, RetryBudget = TimeSpan.FromSeconds(10) });

    [Fact]
    public void Connect_NoServerListening_ThrowsStoreUnavailableNamingEndpointQuickly()
    {
        using var closed = new ClosedPort();
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<StoreUnavailableException>(() => RedisConnection.Connect(
            new RedisStoreOptions { Endpoints = [closed.Endpoint], ConnectTimeout = TimeSpan.FromSeconds(1) }));
        Assert.Equal(closed.Endpoint, e.Endpoint);
        Assert.Contains($"redis at {closed.Endpoint} did not answer", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Connect_RedisClusterNode_ThrowsStoreUnsupportedNamingTheEndpointAndDisconnects()
    {
        using var cluster = RedisTestServer.Start(new RedisTestServerOptions { Cluster = true });
        Assert.Contains("cluster_enabled:1", cluster.Info("cluster"), StringComparison.Ordinal);

        var e = Assert.Throws<StoreUnsupportedException>(() => RedisConnection.Connect(new RedisStoreOptions { Endpoints = [cluster.Endpoint] }));

        Assert.Equal(cluster.Endpoint, e.Endpoint);
        Assert.StartsWith($"redis at {cluster.Endpoint} is a Redis Cluster node; the snapshot store needs a standalone Redis primary", e.Message,
            StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (cluster.ClientList().Split('\n').Any(l => l.Contains("name=twa ", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.DoesNotContain("name=twa ", cluster.ClientList(), StringComparison.Ordinal); // the connection was closed
    }

    [Fact(Timeout = 30_000)]
    public async Task DeletePrefix_ManyKeys_RemovesExactlyThatPrefixInBatches()
    {
        using var redis = Connect();
        var db = redis.Database;
        var mine = JobKeyPrefix.ForLocalRun("del").Value;
        var other = JobKeyPrefix.ForLocalRun("del").Value;
        var batch = db.CreateBatch();
        var tasks = Enumerable.Range(0, 1200).Select(i => batch.StringSetAsync($"{mine}k{i}", i)).ToList();
        tasks.Add(batch.HashSetAsync($"{mine}h", "f", "v"));
        tasks.Add(batch.StringSetAsync($"{other}keep", 1));
        batch.Execute();
        await Task.WhenAll(tasks);
        Assert.Equal(1201, redis.DeletePrefix(mine, batchSize: 500));
        Assert.False(db.KeyExists($"{mine}k0"));
        Assert.False(db.KeyExists($"{mine}h"));
        Assert.True(db.KeyExists($"{other}keep"));
        Assert.Equal(0, redis.DeletePrefix(mine));
        redis.DeletePrefix(other);
    }

    [Fact]
    public void DeletePrefix_PrefixWithGlobCharacters_MatchesThemLiterally()
    {
        using var redis = Connect();
        var uid = Guid.NewGuid().ToString("N");
        redis.Database.StringSet($"twa:ns:job1:{uid}:a", 1);
        redis.Database.StringSet($"twa:ns:job[1]:{uid}:a", 1);
        Assert.Equal(1, redis.DeletePrefix($"twa:ns:job[1]:{uid}:"));
        Assert.True(redis.Database.KeyExists($"twa:ns:job1:{uid}:a"));
        redis.DeletePrefix($"twa:ns:job1:{uid}:");
    }

    [Theory]
    [InlineData("")]
    [InlineData("twa:")]
    [InlineData("other:a:b:c:")]
    [InlineData("twa:a:b:c")]
    public void DeletePrefix_NotAJobPrefix_ThrowsWithoutDeleting(string prefix)
    {
        using var redis = Connect();
        Assert.Throws<ArgumentException>(() => redis.DeletePrefix(prefix));
    }

    [Fact]
    public void JobStore_OpenRedisUri_UsesTheDatabaseAndPrefix()
    {
        var prefix = JobKeyPrefix.ForLocalRun("factory");
        using (var store = JobStore.Open($"redis://{_server.Endpoint}/3", prefix))
        {
            Assert.IsType<RedisSnapshotStore>(store.Snapshots);
            Assert.IsType<RedisStateStore>(store.State);
            store.State.Commit("twa", new CommittedState { Step = 4 });
        }

        using var db3 = Connect(database: 3);
        Assert.True(db3.Database.KeyExists($"{prefix.Value}state:twa"));
        using var db0 = Connect();
        Assert.False(db0.Database.KeyExists($"{prefix.Value}state:twa"));
        Assert.Equal(2, db3.DeletePrefix(prefix.Value));
    }

    [Fact]
    public void JobStore_OpenDirectory_UsesLocalStores()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"twa-jobstore-{Guid.NewGuid():N}");
        try
        {
            using var store = JobStore.Open(dir, JobKeyPrefix.ForLocalRun("x"));
            Assert.Null(store.Redis);
            Assert.Equal(dir, ((LocalSnapshotStore)store.Snapshots).Directory);
            Assert.Equal(Path.Combine(dir, "state"), ((LocalStateStore)store.State).Directory);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Connect_PasswordProtectedServer_WrongPasswordFailsNamingThePasswordAndRightOneWorks()
    {
        using var secured = RedisTestServer.Start(new RedisTestServerOptions { Password = "s3cr:t@x" });
        var e = Assert.Throws<StoreUnavailableException>(() => RedisConnection.Connect(
            new RedisStoreOptions { Endpoints = [secured.Endpoint], Password = "wrong", ConnectTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Contains("refused the credentials", e.Message, StringComparison.Ordinal);
        Assert.Contains("check the password", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", e.Message, StringComparison.Ordinal);
        var prefix = JobKeyPrefix.ForLocalRun("auth");
        using var store = JobStore.Open($"redis://:{Uri.EscapeDataString("s3cr:t@x")}@{secured.Endpoint}/0", prefix);
        store.State.Commit("twa", new CommittedState { Step = 2 });
        using var read = store.State.ReadLatest("twa");
        Assert.Equal(2, read!.Step);
    }

    [Fact]
    public void Connect_TlsServerWithPrivateCa_WorksWhenTheCaIsTrustedAndFailsOtherwise()
    {
        using var tls = RedisTestServer.Start(new RedisTestServerOptions { Tls = true });
        var options = new RedisStoreOptions
        {
            Endpoints = [$"localhost:{tls.Port}"],
            Tls = true,
            TlsCaCertificatePath = tls.Tls!.CaPath,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        using (var redis = RedisConnection.Connect(options))
        {
            var state = new RedisStateStore(redis, JobKeyPrefix.ForLocalRun("tls"));
            state.Commit("twa", new CommittedState { Step = 11 });
            using var read = state.ReadLatest("twa");
            Assert.Equal(11, read!.Step);
        }

        Assert.Throws<StoreUnavailableException>(() => RedisConnection.Connect(options with { TlsCaCertificatePath = null, ConnectTimeout = TimeSpan.FromSeconds(2) }));
        Assert.Throws<StoreUnavailableException>(() => RedisConnection.Connect(options with { Tls = false, ConnectTimeout = TimeSpan.FromSeconds(2) }));
    }
}
