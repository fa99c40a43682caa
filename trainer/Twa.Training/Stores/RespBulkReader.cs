using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Twa.Training.Stores;

/// <summary>
/// A second, plain RESP2 connection to the Redis server of a <see cref="RedisConnection"/>, used only to read chunk
/// replies: each bulk reply is received straight from the socket (or TLS stream) into the caller's memory, usually
/// the destination tensor, so the bytes are copied once, by the kernel. StackExchange.Redis copies each reply twice
/// more (into its pipe buffers, then into a lease), which made snapshot reads 1.4-1.6x slower on a 2-core machine.
/// Everything else (manifests, scripts, writes, membership) stays on StackExchange.Redis.
/// <para>Failures are <see cref="RespException"/>s, which <see cref="RedisConnection.Run{T}"/> retries under the same
/// policy as StackExchange.Redis's: a socket error, a closed connection or a timeout is transient; an error reply
/// carries the server's text (LOADING after a restart is transient, WRONGPASS is not). After any failure the
/// connection's position in the reply stream is unknown, so the caller disposes it. Not thread-safe: one caller at a
/// time (the <see cref="RedisConnection"/> pools readers).</para>
/// </summary>
internal sealed class RespBulkReader : IDisposable
{
    private const int BufferBytes = 64 << 10;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private readonly MemoryStream _outgoing = new();
    private int _start;
    private int _end;

    private RespBulkReader(EndPoint endPoint, Socket socket, Stream stream)
    {
        EndPoint = endPoint;
        _socket = socket;
        _stream = stream;
    }

    /// <summary>The server this reader is connected to.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>When the reader was last handed back idle (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long IdleSince { get; set; }

    /// <summary>Connects to <paramref name="endPoint"/> with the credentials, TLS settings, database and timeouts of
    /// <paramref name="options"/>, and checks the handshake replies.</summary>
    public static RespBulkReader Connect(RedisStoreOptions options, EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var where = Format(endPoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        var connected = false;
        try
        {
            using (var timeout = new CancellationTokenSource(options.ConnectTimeout))
            {
                try
                {
                    socket.ConnectAsync(endPoint, timeout.Token).AsTask().GetAwaiter().GetResult();
                }
                catch (OperationCanceledException e)
                {
                    throw new RespException(string.Create(CultureInfo.InvariantCulture,
                        $"bulk-read connection to {where}: no connection within {options.ConnectTimeout.TotalSeconds:0.#} s"), transient: true, inner: e);
                }
            }

            var millis = (int)Math.Clamp(options.OperationTimeout.TotalMilliseconds, 1, int.MaxValue);
            socket.ReceiveTimeout = millis;
            socket.SendTimeout = millis;
            stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                tls.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = options.TlsHost ?? Host(endPoint),
                    RemoteCertificateValidationCallback = options.TlsCaCertificatePath is { } ca ? TrustingOnly(ca) : null,
                });
            }

            var reader = new RespBulkReader(endPoint, socket, stream);
            reader.Handshake(options);
            connected = true;
            return reader;
        }
        catch (AuthenticationException e)
        {
            throw new RespException($"bulk-read connection to {where}: TLS handshake failed ({e.Message})", transient: false, inner: e);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new RespException($"bulk-read connection to {where} failed: {e.Message}", transient: true, inner: e);
        }
        finally
        {
            if (!connected)
            {
                // The stream owns the socket once it exists.
                (stream ?? (IDisposable)socket).Dispose();
            }
        }
    }

    /// <summary>True when nothing is waiting to be read and the server has not closed the connection (an idle
    /// connection becomes readable only when it is closed or reset, e.g. by a server restart): worth reusing.</summary>
    public bool IsIdleAndOpen()
    {
        try
        {
            return _start == _end && _outgoing.Length == 0 && !_socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Queues HGET <paramref name="key"/> <paramref name="field"/>; sent by <see cref="Flush"/>.</summary>
    public void QueueHashGet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> field)
    {
        Header(3);
        Bulk("HGET"u8);
        Bulk(key);
        Bulk(field);
    }

    /// <summary>Sends every queued command.</summary>
    public void Flush()
    {
        if (_outgoing.Length == 0)
        {
            return;
        }

        try
        {
            _stream.Write(_outgoing.GetBuffer().AsSpan(0, (int)_outgoing.Length));
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw Lost(e);
        }

        _outgoing.SetLength(0);
    }

    /// <summary>Reads the next reply's header: the length of a bulk string, or -1 for nil (a missing field). The body
    /// must then be consumed with <see cref="ReadBody"/>.</summary>
    /// <exception cref="RespException">The reply is an error (<see cref="RespException.ServerReply"/>), the connection
    /// failed, or the reply is not a bulk string.</exception>
    public int ReadBulkLength()
    {
        var line = ReadLine();
        if (line.Length > 1 && line[0] == (byte)'$' && Utf8Parser.TryParse(line[1..], out int length, out var used) && used == line.Length - 1 && length >= -1)
        {
            return length;
        }

        throw Unexpected(line, "a bulk string");
    }

    /// <summary>Receives exactly <paramref name="destination"/>.Length body bytes into it (what the header buffer
    /// already holds is copied, the rest comes straight from the stream), then the terminating CRLF.</summary>
    public void ReadBody(Span<byte> destination)
    {
        var buffered = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, buffered).CopyTo(destination);
        _start += buffered;
        for (var filled = buffered; filled < destination.Length;)
        {
            filled += Receive(destination[filled..]);
        }

        while (_end - _start < 2)
        {
            Fill();
        }

        if (_buffer[_start] != (byte)'\r' || _buffer[_start + 1] != (byte)'\n')
        {
            throw OutOfStep("a bulk reply does not end with CRLF");
        }

        _start += 2;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _outgoing.Dispose();
    }

    /// <summary>AUTH and SELECT as the store's options say (each must succeed), and CLIENT SETNAME twa-bulk, whose
    /// refusal (an ACL user without CLIENT rights) is ignored, as StackExchange.Redis ignores it for its own name.</summary>
    private void Handshake(RedisStoreOptions options)
    {
        var required = 0;
        if (options.Password is { } password)
        {
            if (options.User is { } user)
            {
                Command("AUTH"u8, user, password);
            }
            else
            {
                Command("AUTH"u8, password);
            }

            required++;
        }

        if (options.Database != 0)
        {
            Command("SELECT"u8, options.Database.ToString(CultureInfo.InvariantCulture));
            required++;
        }

        Command("CLIENT"u8, "SETNAME", "twa-bulk");
        Flush();
        for (var i = 0; i <= required; i++)
        {
            var line = ReadLine();
            if (line.Length == 0 || line[0] != (byte)'+')
            {
                var failure = Unexpected(line, "+OK");
                if (i < required || failure.ServerReply is null)
                {
                    throw failure;
                }
            }
        }
    }

    private void Command(ReadOnlySpan<byte> name, params string[] arguments)
    {
        Header(1 + arguments.Length);
        Bulk(name);
        foreach (var a in arguments)
        {
            Bulk(Encoding.UTF8.GetBytes(a));
        }
    }

    private void Header(int count)
    {
        _outgoing.WriteByte((byte)'*');
        Number(count);
    }

    private void Bulk(ReadOnlySpan<byte> value)
    {
        _outgoing.WriteByte((byte)'$');
        Number(value.Length);
        _outgoing.Write(value);
        _outgoing.Write("\r\n"u8);
    }

    private void Number(int value)
    {
        Span<byte> digits = stackalloc byte[16];
        Utf8Formatter.TryFormat(value, digits, out var n);
        _outgoing.Write(digits[..n]);
        _outgoing.Write("\r\n"u8);
    }

    /// <summary>The next line without its CRLF; valid until the next read.</summary>
    private ReadOnlySpan<byte> ReadLine()
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var end = _start + scanned + newline;
                var line = _buffer.AsSpan(_start, end - _start);
                _start = end + 1;
                return line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;
            }

            scanned = _end - _start;
            if (scanned == _buffer.Length)
            {
                throw OutOfStep($"a reply line is longer than {BufferBytes} bytes");
            }

            Fill();
        }
    }

    /// <summary>Moves the unread bytes to the front of the buffer and receives more after them.</summary>
    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        _end += Receive(_buffer.AsSpan(_end));
    }

    private int Receive(Span<byte> into)
    {
        int n;
        try
        {
            n = _stream.Read(into);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw Lost(e);
        }

        return n > 0 ? n : throw new RespException($"bulk-read connection to {Format(EndPoint)}: the server closed the connection", transient: true);
    }

    private RespException Lost(Exception e)
    {
        var timedOut = e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut } || e is SocketException { SocketErrorCode: SocketError.TimedOut };
        return new RespException(timedOut
                ? $"bulk-read connection to {Format(EndPoint)}: no reply within the operation timeout"
                : $"bulk-read connection to {Format(EndPoint)} failed: {e.Message}", transient: true, inner: e);
    }

    private RespException OutOfStep(string problem) => new($"bulk-read connection to {Format(EndPoint)}: {problem}", transient: true);

    /// <summary>An error reply as a <see cref="RespException"/> carrying its text; anything else unexpected means the
    /// connection is out of step.</summary>
    private RespException Unexpected(ReadOnlySpan<byte> line, string expected)
    {
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 200)]);
        if (line.Length > 0 && line[0] == (byte)'-')
        {
            var reply = text[1..];
            return new RespException($"redis at {Format(EndPoint)} replied {reply}", RedisConnection.IsTransientReply(reply), reply);
        }

        return OutOfStep($"expected {expected}, got '{text}'");
    }

    /// <summary>A certificate check that accepts only a server certificate for the right host name that chains to the
    /// CA in <paramref name="caPath"/> (the same rule as the StackExchange.Redis connection's TrustIssuer).</summary>
    private static RemoteCertificateValidationCallback TrustingOnly(string caPath)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(server);
        };
    }

    private static string Host(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint d => d.Host,
        IPEndPoint ip => ip.Address.ToString(),
        _ => endPoint.ToString() ?? "",
    };

    private static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint d => $"{d.Host}:{d.Port}",
        _ => endPoint.ToString() ?? "?",
    };
}
