using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Twa.Training.Tests.Storage;

/// <summary>A real redis-server on a free loopback port in its own temp directory, for tests. Fails (never skips)
/// when redis-server is not installed. <see cref="Dispose"/> stops it and removes the directory.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly bool _persistent;
    private readonly string? _password;
    private readonly TlsFiles? _tls;
    private Process? _process;

    public RedisServer() : this(persistent: false)
    {
    }

    /// <summary>A server with appendonly yes and fsync on every write, for restart tests.</summary>
    public static RedisServer StartPersistent() => new(persistent: true);

    /// <summary>A server that requires <paramref name="password"/> (requirepass).</summary>
    public static RedisServer StartWithPassword(string password) => new(persistent: false, password);

    /// <summary>A server that speaks only TLS, with a server certificate for "localhost" signed by a new test CA
    /// (<see cref="TlsFiles.CaPath"/>).</summary>
    public static RedisServer StartWithTls() => new(persistent: false, tls: true);

    private RedisServer(bool persistent, string? password = null, bool tls = false)
    {
        _persistent = persistent;
        _password = password;
        if (tls)
        {
            Directory.CreateDirectory(WorkDir);
            _tls = TlsFiles.Create(WorkDir);
        }

        Directory.CreateDirectory(WorkDir);
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    /// <summary>The TLS certificate files (null for a plain server).</summary>
    public TlsFiles? Tls => _tls;

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"twa-redis-{Guid.NewGuid():N}");

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>Starts redis-server (again, on the same port and directory) and waits until it answers PING.</summary>
    public void Start()
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var args = new List<string> { "--port", _tls is null ? port : "0", "--bind", "127.0.0.1", "--dir", WorkDir, "--save", "", "--daemonize", "no", "--loglevel", "warning" };
        args.AddRange(_persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]);
        if (_tls is { } t)
        {
            args.AddRange(["--tls-port", port, "--tls-cert-file", t.ServerCertPath, "--tls-key-file", t.ServerKeyPath, "--tls-ca-cert-file", t.CaPath, "--tls-auth-clients", "no"]);
        }

        if (_password is not null)
        {
            args.AddRange(["--requirepass", _password]);
        }

        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        args.ForEach(info.ArgumentList.Add);
        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (not on PATH); run `make deps` (Debian package redis-server)", e);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!Ping())
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within 20 s (exit: {(_process.HasExited ? _process.ExitCode : "running")})");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Kills the server with SIGKILL (a crash, not a clean shutdown) and waits for it to exit.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>True when the server answers +PONG (a plain RESP exchange, independent of the client under test).</summary>
    public bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            if (_tls is not null)
            {
                return true; // listening; the TLS handshake is the client's business
            }

            using var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[64];
            var n = stream.Read(buffer);
            var reply = Encoding.ASCII.GetString(buffer, 0, n);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || (_password is not null && reply.StartsWith("-NOAUTH", StringComparison.Ordinal));
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>INFO <paramref name="section"/> over a plain RESP connection (independent of the client under test).</summary>
    public string Info(string section)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        using var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes($"*2\r\n$4\r\nINFO\r\n${section.Length}\r\n{section}\r\n"));
        var header = new StringBuilder();
        int b;
        while ((b = stream.ReadByte()) != '\n')
        {
            if (b < 0)
            {
                throw new IOException("redis closed the connection");
            }

            header.Append((char)b);
        }

        var length = int.Parse(header.ToString().TrimEnd('\r')[1..], CultureInfo.InvariantCulture);
        var body = new byte[length];
        stream.ReadExactly(body);
        return Encoding.UTF8.GetString(body);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
