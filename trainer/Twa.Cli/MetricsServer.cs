using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Twa.Cli;

/// <summary>
/// A minimal HTTP/1.1 server for one rank's probes and metrics (no ASP.NET): <c>GET /metrics</c> (Prometheus text
/// format 0.0.4), <c>GET /healthz</c> and <c>GET /readyz</c> (200 "ok" or 503 with the reason), 404 for other paths,
/// 405 for other methods. One request per connection (Connection: close), requests larger than 8 KiB or slower than
/// 5 s are dropped. Listens on all interfaces (a pod's metrics port must be reachable by Prometheus) on the given
/// port, 0 = an ephemeral one (<see cref="Port"/>). Thread-safe; <see cref="Dispose"/> stops listening.
/// </summary>
internal sealed class MetricsServer : IDisposable
{
    private const string MetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(5);
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly RankMetrics _metrics;
    private readonly Task _loop;

    private MetricsServer(TcpListener listener, RankMetrics metrics)
    {
        _listener = listener;
        _metrics = metrics;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Starts listening on <paramref name="port"/> (0 = ephemeral).</summary>
    /// <exception cref="IOException">The port cannot be bound (in use, no permission); the message names it.</exception>
    public static MetricsServer Start(int port, RankMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var listener = new TcpListener(IPAddress.Any, port);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"--metrics-port {port}: cannot listen ({e.Message}); choose a free port or 0 for an ephemeral one"), e);
        }

        return new MetricsServer(listener, metrics);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener; nothing to report.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            timeout.CancelAfter(s_requestTimeout);
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream, timeout.Token).ConfigureAwait(false);
                if (head is null)
                {
                    return;
                }

                var requestLine = head.Split("\r\n", 2)[0].Split(' ');
                var (status, contentType, body) = requestLine.Length < 3 ? (400, "text/plain; charset=utf-8", "bad request\n")
                    : requestLine[0] != "GET" ? (405, "text/plain; charset=utf-8", "only GET is supported\n")
                    : Route(requestLine[1].Split('?', 2)[0]);
                var bytes = Encoding.UTF8.GetBytes(body);
                var header = string.Create(CultureInfo.InvariantCulture,
                    $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header), timeout.Token).ConfigureAwait(false);
                await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A client that went away or stalled: drop the connection.
            }
        }
    }

    private (int Status, string ContentType, string Body) Route(string path) => path switch
    {
        "/metrics" => (200, MetricsContentType, _metrics.Export()),
        "/healthz" => _metrics.Healthy ? (200, "text/plain; charset=utf-8", "ok\n") : (503, "text/plain; charset=utf-8", "no progress for 10 minutes\n"),
        "/readyz" => _metrics.Ready ? (200, "text/plain; charset=utf-8", "ok\n") : (503, "text/plain; charset=utf-8", "not stepping in a generation yet\n"),
        _ => (404, "text/plain; charset=utf-8", "not found; try /metrics, /healthz or /readyz\n"),
    };

    private static async Task<string?> ReadHeadAsync(NetworkStream stream, CancellationToken cancel)
    {
        var buffer = new byte[8192];
        var length = 0;
        while (length < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(length), cancel).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            length += n;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }
        }

        return null;
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
}
