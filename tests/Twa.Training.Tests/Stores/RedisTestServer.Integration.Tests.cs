using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;
using Twa.Testing.Redis;

namespace Twa.Training.Tests.Storage;

/// <summary>The shared test helper itself (tests/Twa.Testing.Redis): what the outage tests of three projects rely on.</summary>
public sealed class RedisTestServerIntegrationTests
{
    [Fact(Timeout = 60_000)]
    public async Task Restart_AfterKillWithAppendOnly_SamePortAndKeysSurvive()
    {
        using var server = RedisTestServer.StartAppendOnly();
        var port = server.Port;
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(server.Endpoint))
        {
            await mux.GetDatabase().StringSetAsync("twa:test:kept", "yes");
        }

        server.Kill();
        Assert.False(server.IsRunning);
        Assert.False(server.Ping());
        server.Restart();
        Assert.Equal(port, server.Port);
        Assert.Equal(1, server.CountKeys("twa:test:*"));
        await using var again = await ConnectionMultiplexer.ConnectAsync(server.Endpoint);
        Assert.Equal("yes", (string?)await again.GetDatabase().StringGetAsync("twa:test:kept"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Restart_AfterKillWithoutPersistence_StartsEmpty()
    {
        using var server = new RedisTestServer();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(server.Endpoint))
        {
            await mux.GetDatabase().StringSetAsync("twa:test:lost", "yes");
        }

        Assert.Equal(1, server.CountKeys("twa:test:*"));
        server.Kill();
        server.Restart();
        Assert.Equal(0, server.CountKeys("twa:test:*"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Start_WithPassword_RefusesClientsWithoutItWhileHelpersAuthenticate()
    {
        using var server = RedisTestServer.Start(new RedisTestServerOptions { Password = "p@ss:w" });
        Assert.True(server.Ping());
        Assert.Contains("redis_version:", server.Info("server"), StringComparison.Ordinal);
        using (var anonymous = new TcpClient())
        {
            await anonymous.ConnectAsync(IPAddress.Loopback, server.Port);
            var stream = anonymous.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var reply = new byte[64];
            var n = await stream.ReadAsync(reply);
            Assert.StartsWith("-NOAUTH", Encoding.ASCII.GetString(reply, 0, n), StringComparison.Ordinal);
        }

        await using var mux = await ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},password=p@ss:w");
        await mux.GetDatabase().StringSetAsync("twa:test:x", "1");
        Assert.Equal(1, server.CountKeys("twa:test:*"));
    }

    [Fact]
    public void Dispose_AfterAppendOnlyWrites_KillsAndRemovesTheDataDirectory()
    {
        var server = RedisTestServer.StartAppendOnly();
        var dir = server.WorkDir;
        Assert.True(Directory.Exists(dir));
        server.Dispose();
        Assert.False(server.IsRunning);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task ClosedPort_WhileHeld_RefusesConnectionsAndCannotBeTakenEvenWithReuseAddress()
    {
        int port;
        using (var closed = new ClosedPort())
        {
            port = closed.Port;
            Assert.Equal($"127.0.0.1:{port}", closed.Endpoint);
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

            using var taker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            taker.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            var taken = Assert.Throws<SocketException>(() =>
            {
                taker.Bind(new IPEndPoint(IPAddress.Loopback, port));
                taker.Listen();
            });
            Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        }

        using var listener = new TcpListener(IPAddress.Loopback, port); // released on Dispose
        listener.Start();
    }
}
