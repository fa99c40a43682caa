using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Twa.Testing.Redis;

/// <summary>A loopback port that refuses connections for as long as this object lives. A socket is bound to the port
/// and never listens: a connect gets ECONNREFUSED, and no other process or test can bind the port meanwhile, not even
/// with SO_REUSEADDR. <see cref="RedisTestServer.FreePort"/> gives a port that nobody listens on only at the moment it
/// returns; a test that needs "nothing answers there" for its whole duration uses this instead.</summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket;

    public ClosedPort()
    {
        // Not ProtocolType.Tcp: for that, .NET's Bind on Unix turns SO_REUSEADDR on, and then another socket with
        // SO_REUSEADDR (redis-server, c10d) could bind and listen on the port while this one does not listen. A stream
        // socket of unspecified protocol is TCP all the same.
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public void Dispose() => _socket.Dispose();
}
