using System.Net;
using System.Net.Sockets;
using System.Text;
using Twa.Testing.Redis;
using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

/// <summary>The bulk-read connection that chunk reads use (<see cref="RespBulkReader"/>): credentials, database and TLS
/// of the store's options, reuse of one idle connection, and failures that keep the retry policy's meaning.</summary>
public sealed class RespBulkReaderIntegrationTests : IClassFixture<RedisTestServer>
{
    private const int ChunkBytes = 64;
    private const int D = 100; // 400 bytes: 7 chunks of 64 bytes, the last one 16

    private readonly RedisTestServer _server;

    public RespBulkReaderIntegrationTests(RedisTestServer server) => _server = server;

    [Fact]
    public void SnapshotReads_ReuseOneBulkConnection()
    {
        using var redis = Connect(new RedisStoreOptions { Endpoints = [_server.Endpoint] });
        var store = SavedStore(redis, "bulk-reuse");
        for (var i = 0; i < 5; i++)
        {
            using var part = store.ReadColumns(0, 3 * i, 40);
            Assert.Equal(Values().Skip(3 * i).Take(40).ToArray(), part.ToArray<float>());
        }

        Assert.Equal(1, BulkClients(_server));
    }

    [Fact]
    public void IdleConnectionOlderThanTheLimit_IsReplacedByANewOne()
    {
        using var redis = Connect(new RedisStoreOptions { Endpoints = [_server.Endpoint] });
        var store = SavedStore(redis, "bulk-idle");
        store.ReadColumns(0, 0, D).Dispose();
        var before = ConnectionsReceived();
        store.ReadColumns(0, 0, D).Dispose();
        Assert.Equal(before + 1, ConnectionsReceived()); // + 1: the previous count's own connection

        redis.BulkReaderMaxIdle = TimeSpan.Zero;
        store.ReadColumns(0, 0, D).Dispose();
        store.ReadColumns(0, 0, D).Dispose();
        Assert.Equal(before + 1 + 1 + 2, ConnectionsReceived());
        Assert.Equal(1, BulkClients(_server));
    }

    [Fact]
    public void ReadsAfterACorruptAndAMissingChunk_GetFreshConnectionsAndTheRightBytes()
    {
        using var redis = Connect(new RedisStoreOptions { Endpoints = [_server.Endpoint] });
        var store = SavedStore(redis, "bulk-fail");
        var version = $"{store.KeyOf(0)}:{(string)redis.Database.StringGet(store.KeyOf(0))!}";

        // Chunk 1 lies wholly inside the range: it is received into the tensor and fails its check there, with the
        // replies of chunks 2..6 still on their way.
        var good = (byte[])redis.Database.HashGet(version, "0:1")!;
        var bad = (byte[])good.Clone();
        bad[7] ^= 0x10;
        redis.Database.HashSet(version, "0:1", bad);
        var e = Assert.Throws<StoreCorruptException>(() => store.ReadColumns(0, 0, D).Dispose());
        Assert.Contains("chunk 1 of 'params'", e.Message, StringComparison.Ordinal);
        Assert.Contains("xxHash64", e.Message, StringComparison.Ordinal);
        using (var after = store.ReadColumns(0, 64, 36))
        {
            Assert.Equal(Values().Skip(64).ToArray(), after.ToArray<float>());
        }

        redis.Database.HashSet(version, "0:1", good);
        redis.Database.HashDelete(version, "0:3");
        e = Assert.Throws<StoreCorruptException>(() => store.ReadColumns(0, 0, D).Dispose());
        Assert.Contains("field '0:3'", e.Message, StringComparison.Ordinal);
        using (var before = store.ReadColumns(0, 1, 40))
        {
            Assert.Equal(Values().Skip(1).Take(40).ToArray(), before.ToArray<float>());
        }

        Assert.Equal(1, BulkClients(_server));
    }

    [Fact]
    public void PasswordAndDatabase_TheBulkConnectionAuthenticatesAndSelectsTheStoresDatabase()
    {
        using var secured = RedisTestServer.Start(new RedisTestServerOptions { Password = "s3cr:t@x" });
        using var redis = Connect(new RedisStoreOptions { Endpoints = [secured.Endpoint], Password = "s3cr:t@x", Database = 5 });
        var store = SavedStore(redis, "bulk-auth");
        using var all = store.ReadColumns(0, 0, D);
        Assert.Equal(Values(), all.ToArray<float>());
        Assert.Equal(1, BulkClients(secured));
    }

    [Fact]
    public void AclUserWithoutClientRights_ReadsAnyway()
    {
        // A least-privilege user: keys and data commands, but not CLIENT (so no CLIENT SETNAME).
        var user = $"reader{Environment.ProcessId}";
        Assert.Equal("+OK", _server.Command("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-client"));
        try
        {
            using var redis = Connect(new RedisStoreOptions { Endpoints = [_server.Endpoint], User = user, Password = "pw" });
            var store = SavedStore(redis, "bulk-acl");
            using var part = store.ReadColumns(0, 10, 80);
            Assert.Equal(Values().Skip(10).Take(80).ToArray(), part.ToArray<float>());
        }
        finally
        {
            _server.Command("ACL", "DELUSER", user);
        }
    }

    [Fact]
    public void TlsWithPrivateCa_TheBulkConnectionReadsOverTls()
    {
        using var tls = RedisTestServer.Start(new RedisTestServerOptions { Tls = true });
        using var redis = Connect(new RedisStoreOptions { Endpoints = [$"localhost:{tls.Port}"], Tls = true, TlsCaCertificatePath = tls.Tls!.CaPath });
        var store = SavedStore(redis, "bulk-tls");
        using var part = store.ReadColumns(0, 5, 90);
        Assert.Equal(Values().Skip(5).Take(90).ToArray(), part.ToArray<float>());
    }

    [Fact]
    public void ErrorReply_IsANonTransientRespExceptionWithTheServersText()
    {
        using var redis = Connect(new RedisStoreOptions { Endpoints = [_server.Endpoint] });
        var key = JobKeyPrefix.ForLocalRun("bulk-err").Value + "plain";
        redis.Database.StringSet(key, "not a hash");
        using var reader = RespBulkReader.Connect(redis.Options, new DnsEndPoint("127.0.0.1", _server.Port));
        reader.QueueHashGet(Encoding.UTF8.GetBytes(key), "0:0"u8);
        reader.Flush();
        var e = Assert.Throws<RespException>(() => reader.ReadBulkLength());
        Assert.StartsWith("WRONGTYPE", e.ServerReply, StringComparison.Ordinal);
        Assert.False(e.Transient);
        Assert.False(RedisConnection.IsTransient(e));
        redis.Database.KeyDelete(key);
    }

    [Theory]
    [InlineData("LOADING Redis is loading the dataset in memory", true)]
    [InlineData("BUSY Redis is busy running a script", true)]
    [InlineData("READONLY You can't write against a read only replica.", true)]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", false)]
    [InlineData("ERR unknown command", false)]
    public void IsTransientReply_NotNowRepliesOnly(string reply, bool transient) =>
        Assert.Equal(transient, RedisConnection.IsTransientReply(reply));

    [Fact(Timeout = 30_000)]
    public async Task ServerClosesMidReply_IsATransientRespException()
    {
        await using var fake = FakeServer.Start("$10\r\nabc");
        using var reader = SendOneHashGet(fake);
        Assert.Equal(10, reader.ReadBulkLength());
        var e = Assert.Throws<RespException>(() => reader.ReadBody(new byte[10]));
        Assert.True(e.Transient);
        Assert.True(RedisConnection.IsTransient(e));
        Assert.Contains("closed the connection", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReplyThatIsNotABulkString_IsATransientOutOfStepRespException()
    {
        await using var fake = FakeServer.Start(":42\r\n");
        using var reader = SendOneHashGet(fake);
        var e = Assert.Throws<RespException>(() => reader.ReadBulkLength());
        Assert.True(e.Transient);
        Assert.Null(e.ServerReply);
        Assert.Contains("expected a bulk string, got ':42'", e.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task IdleConnectionClosedByTheServer_IsNotReused()
    {
        await using var fake = FakeServer.Start("", closeAfterHandshake: true);
        using var reader = RespBulkReader.Connect(Options(fake.Port), fake.EndPoint);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (reader.IsIdleAndOpen() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.False(reader.IsIdleAndOpen());
    }

    /// <summary>Connects a reader to <paramref name="fake"/> and sends it one HGET.</summary>
    private static RespBulkReader SendOneHashGet(FakeServer fake)
    {
        var reader = RespBulkReader.Connect(Options(fake.Port), fake.EndPoint);
        reader.QueueHashGet("k"u8, "0:0"u8);
        reader.Flush();
        return reader;
    }

    private static RedisConnection Connect(RedisStoreOptions options) =>
        RedisConnection.Connect(options with { RetryBudget = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(5) });

    private static RedisStoreOptions Options(int port) => new()
    {
        Endpoints = [$"127.0.0.1:{port}"],
        ConnectTimeout = TimeSpan.FromSeconds(5),
        OperationTimeout = TimeSpan.FromSeconds(5),
    };

    private static float[] Values() => Enumerable.Range(0, D).Select(i => i * 0.5f - 7).ToArray();

    /// <summary>A snapshot store of <see cref="ChunkBytes"/>-byte chunks under a new prefix, holding <see cref="Values"/>
    /// as snapshot 0.</summary>
    private static RedisSnapshotStore SavedStore(RedisConnection redis, string run)
    {
        var store = new RedisSnapshotStore(redis, JobKeyPrefix.ForLocalRun(run), ChunkBytes);
        using var flat = Tensors.FromArray(Values());
        store.Save(0, flat, [], new Dictionary<string, string>());
        return store;
    }

    /// <summary>Connections the shared server has accepted so far, including the one that asks (INFO stats).</summary>
    private long ConnectionsReceived()
    {
        var line = _server.Info("stats").Split('\n').First(l => l.StartsWith("total_connections_received:", StringComparison.Ordinal));
        return long.Parse(line.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Connections <paramref name="server"/> sees under the bulk reader's client name, once those that earlier
    /// tests closed are gone (the server notices a close asynchronously; a connection still open stays counted).</summary>
    private static int BulkClients(RedisTestServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (true)
        {
            var count = server.ClientList().Split('\n').Count(l => l.Contains("name=twa-bulk ", StringComparison.Ordinal));
            if (count <= 1 || DateTime.UtcNow > deadline)
            {
                return count;
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>A one-connection TCP server that answers the handshake (CLIENT SETNAME) with +OK, then sends
    /// <c>reply</c> once the next command arrives and closes; or closes right after the handshake.</summary>
    private sealed class FakeServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Task _serving;

        private FakeServer(string reply, bool closeAfterHandshake)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _serving = Task.Run(async () =>
            {
                using var client = await _listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                var buffer = new byte[4096];
                await ReadCommand(stream, buffer);
                await stream.WriteAsync("+OK\r\n"u8.ToArray());
                if (closeAfterHandshake)
                {
                    return;
                }

                await ReadCommand(stream, buffer);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(reply));
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public EndPoint EndPoint => new IPEndPoint(IPAddress.Loopback, Port);

        public static FakeServer Start(string reply, bool closeAfterHandshake = false) => new(reply, closeAfterHandshake);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving;
            }
            catch (SocketException)
            {
                // never connected
            }
        }

        /// <summary>Reads one command: "*N" then N bulk strings, 1 + 2N lines (arguments hold no newlines here).</summary>
        private static async Task ReadCommand(NetworkStream stream, byte[] buffer)
        {
            var received = new List<byte>();
            while (true)
            {
                var lines = received.Count(b => b == (byte)'\n');
                if (lines > 0)
                {
                    var header = Encoding.ASCII.GetString(received.ToArray(), 1, received.IndexOf((byte)'\r') - 1);
                    if (lines >= 1 + (2 * int.Parse(header, System.Globalization.CultureInfo.InvariantCulture)))
                    {
                        return;
                    }
                }

                var n = await stream.ReadAsync(buffer);
                if (n == 0)
                {
                    throw new IOException("the client closed the connection mid-command");
                }

                received.AddRange(buffer.AsSpan(0, n));
            }
        }
    }
}
