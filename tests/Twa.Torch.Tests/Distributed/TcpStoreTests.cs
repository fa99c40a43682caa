using System.Net;
using System.Net.Sockets;
using Twa.Torch.Distributed;

namespace Twa.Torch.Tests.Distributed;

public sealed class TcpStoreTests
{
    private const string Host = "127.0.0.1";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact(Timeout = Bounded.Timeout)]
    public Task Constructor_ServerOnPortZero_ExposesTheBoundPort() => Bounded.Run(() =>
    {
        using var server = new TcpStore(Host, 0, isServer: true, worldSize: 1, s_timeout);
        Assert.True(server.IsServer);
        Assert.InRange(server.Port, 1, 65535);
        Assert.Equal(string.Empty, server.Prefix);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task SetGet_ClientOfServer_RoundTripsBytes() => Bounded.Run(() =>
    {
        using var server = new TcpStore(Host, 0, isServer: true, worldSize: 2, s_timeout);
        using var client = new TcpStore(Host, server.Port, isServer: false, worldSize: 2, s_timeout);
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        server.Set("blob", value);
        client.Set("empty", []);
        Assert.Equal(value, client.Get("blob"));
        Assert.Empty(server.Get("empty"));
        Assert.Equal(server.Port, client.Port);
        Assert.False(client.IsServer);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Add_FromServerAndClient_ReturnsTheRunningTotal() => Bounded.Run(() =>
    {
        using var server = new TcpStore(Host, 0, isServer: true, worldSize: 2, s_timeout);
        using var client = new TcpStore(Host, server.Port, isServer: false, worldSize: 2, s_timeout);
        Assert.Equal(5, server.Add("n", 5));
        Assert.Equal(3, client.Add("n", -2));
        Assert.Equal(3, server.Add("n", 0));
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task WithPrefix_SameKeyInTwoViews_KeepsTheValuesApart() => Bounded.Run(() =>
    {
        using var server = new TcpStore(Host, 0, isServer: true, worldSize: 1, s_timeout);
        using var gen1 = server.WithPrefix("gen1");
        using var gen2 = server.WithPrefix("gen2");
        using var nested = gen1.WithPrefix("sub");
        gen1.Set("k", [1]);
        gen2.Set("k", [2]);
        nested.Set("k", [3]);
        Assert.Equal([1], gen1.Get("k"));
        Assert.Equal([2], gen2.Get("k"));
        Assert.Equal("gen1/sub", nested.Prefix);
        Assert.Equal([3], server.Get("gen1/sub/k"));
        Assert.Equal(server.Port, nested.Port);
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Dispose_ServerHandleWithLiveView_ServerKeepsServing() => Bounded.Run(() =>
    {
        var server = new TcpStore(Host, 0, isServer: true, worldSize: 2, s_timeout);
        using var view = server.WithPrefix("p");
        var port = server.Port;
        server.Dispose();
        view.Set("k", [42]);
        using var client = new TcpStore(Host, port, isServer: false, worldSize: 2, s_timeout);
        Assert.Equal([42], client.Get("p/k"));
        Assert.Throws<ObjectDisposedException>(() => server.Set("k", [1]));
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Get_MissingKey_ThrowsCollectiveTimeoutException() => Bounded.Run(() =>
    {
        using var server = new TcpStore(Host, 0, isServer: true, worldSize: 1, TimeSpan.FromMilliseconds(300));
        var e = Assert.Throws<CollectiveTimeoutException>(() => server.Get("never-set"));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    });

    [Fact(Timeout = Bounded.Timeout)]
    public Task Constructor_ClientWithoutServer_ThrowsDistributedException() => Bounded.Run(() =>
    {
        // Bound but never listening: connects are refused, and nobody else can take the port during the test. Not
        // ProtocolType.Tcp, for which .NET's Bind turns SO_REUSEADDR on: c10d's server sets it too and could listen here.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Unspecified);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;

        var e = Assert.ThrowsAny<DistributedException>(() => new TcpStore(Host, port, isServer: false, worldSize: 2, TimeSpan.FromMilliseconds(500)));
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    });

    [Theory(Timeout = Bounded.Timeout)]
    [InlineData(-1)]
    [InlineData(65536)]
    public Task Constructor_PortOutOfRange_ThrowsArgumentException(int port) => Bounded.Run(() =>
    {
        var e = Assert.Throws<ArgumentException>(() => new TcpStore(Host, port, isServer: true));
        Assert.Contains("out of range", e.Message, StringComparison.Ordinal);
    });
}
