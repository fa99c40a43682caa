using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Twa.Testing.Redis;

/// <summary>
/// A real redis-server for tests: a free loopback port, its own temporary data directory, options from
/// <see cref="RedisTestServerOptions"/> (append-only persistence, password, TLS). The constructor returns once the server
/// answers; <see cref="Kill"/> crashes it with SIGKILL and <see cref="Restart"/> starts it again on the same port and data
/// directory (with <see cref="RedisTestServerOptions.AppendOnly"/> its data survives), for outage tests.
/// <see cref="Dispose"/> kills it and deletes the directory. Fails, never skips, when redis-server is not installed,
/// naming `make deps`. The plain-RESP helpers (<see cref="Ping"/>, <see cref="Info"/>, <see cref="CountKeys"/>) talk to
/// the server without any Redis client library, so they stay independent of the client under test. Usable as an xUnit
/// class fixture (the parameterless constructor). Not thread-safe: one test drives Kill/Restart/Dispose; the RESP
/// helpers may be called from any thread.
/// </summary>
public sealed class RedisTestServer : IDisposable
{
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly RedisTestServerOptions _options;
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>Starts a plain server: no persistence, no password, no TLS.</summary>
    /// <exception cref="InvalidOperationException">redis-server is missing or does not come up.</exception>
    public RedisTestServer()
        : this(new RedisTestServerOptions())
    {
    }

    /// <summary>When the free port found is taken by someone else before redis-server binds it, tries again with another
    /// port (up to 3 times).</summary>
    private RedisTestServer(RedisTestServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        WorkDir = Path.Combine(Path.GetTempPath(), $"twa-redis-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(WorkDir);
        try
        {
            Tls = options.Tls ? TlsFiles.Create(WorkDir) : null;
            for (var attempt = 1; ; attempt++)
            {
                Port = FreePort();
                try
                {
                    Run();
                    return;
                }
                catch (InvalidOperationException) when (attempt < StartAttempts && _process is { HasExited: true })
                {
                    Kill(); // the port was taken meanwhile: redis-server exited at once; try another
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Starts a server with <paramref name="options"/> (a static factory: an xUnit class fixture may have only
    /// one public constructor).</summary>
    /// <exception cref="InvalidOperationException">redis-server is missing or does not come up; the message says why
    /// and shows its output.</exception>
    public static RedisTestServer Start(RedisTestServerOptions options) => new(options);

    /// <summary>A server with append-only persistence (fsync on every write), for kill/restart tests.</summary>
    public static RedisTestServer StartAppendOnly() => new(new RedisTestServerOptions { AppendOnly = true });

    /// <summary>The loopback port; the same across <see cref="Kill"/> and <see cref="Restart"/>.</summary>
    public int Port { get; private set; }

    /// <summary>The server's data directory (AOF files, TLS files); deleted by <see cref="Dispose"/>.</summary>
    public string WorkDir { get; }

    /// <summary>The TLS certificate files, or null for a plain server.</summary>
    public TlsFiles? Tls { get; }

    /// <summary>The password clients must use, or null.</summary>
    public string? Password => _options.Password;

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary><c>redis://127.0.0.1:PORT/0</c> (no password in it).</summary>
    public string Uri => string.Create(CultureInfo.InvariantCulture, $"redis://127.0.0.1:{Port}/0");

    /// <summary>True while the redis-server process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts redis-server again after <see cref="Kill"/>, on the same port and data directory, and waits up
    /// to 20 s until it answers. Does nothing when it runs.</summary>
    /// <exception cref="InvalidOperationException">It exited or did not answer in time (its output is in the message).</exception>
    public void Restart()
    {
        if (!IsRunning)
        {
            Run();
        }
    }

    /// <summary>Starts the process and waits until it answers.</summary>
    private void Run()
    {
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Arguments())
        {
            info.ArgumentList.Add(a);
        }

        lock (_log)
        {
            _log.Clear();
        }

        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (not on PATH); run `make deps` (Debian package redis-server)", e);
        }

        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!Ping())
        {
            if (_process.HasExited || clock.Elapsed > StartTimeout)
            {
                var state = _process.HasExited ? $"exited with code {_process.ExitCode}" : $"did not answer within {StartTimeout.TotalSeconds:F0} s";
                string log;
                lock (_log)
                {
                    log = _log.ToString();
                }

                throw new InvalidOperationException($"redis-server on port {Port} (dir {WorkDir}) {state}; its output:\n{log}");
            }

            Thread.Sleep(50);
        }

        // A cluster node owns no slot until told; after a restart its nodes.conf already assigns them ("already busy").
        if (_options.Cluster && Command("CLUSTER", "ADDSLOTSRANGE", "0", "16383") is var reply && reply != "+OK"
            && !reply.Contains("already busy", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-server on port {Port} refused CLUSTER ADDSLOTSRANGE: {reply}");
        }
    }

    /// <summary>Kills redis-server with SIGKILL (a crash, not a clean shutdown) and waits for it to exit. Data not
    /// yet in the append-only file is lost, as in a real crash. Does nothing when it is not running.</summary>
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

    /// <summary>Kills the server and deletes its data directory (best effort: a file still open is left).</summary>
    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>True when the server answers PING with +PONG (or with -NOAUTH when it has a password). For a TLS server:
    /// true when the port accepts connections (the handshake is the client's business).</summary>
    public bool Ping()
    {
        if (Tls is not null)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        var reply = TryCommand("PING");
        return reply is not null && (reply.StartsWith("+PONG", StringComparison.Ordinal) || (Password is not null && reply.StartsWith("-NOAUTH", StringComparison.Ordinal)));
    }

    /// <summary>Number of keys matching <paramref name="pattern"/> (KEYS, after AUTH when the server has a password);
    /// 0 when the server cannot be reached. Plain servers only.</summary>
    public int CountKeys(string pattern)
    {
        var reply = TryCommand("KEYS", pattern);
        return reply is not null && reply.StartsWith('*') ? int.Parse(reply.AsSpan(1), CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The text of INFO <paramref name="section"/> (after AUTH when the server has a password). Plain servers only.</summary>
    /// <exception cref="IOException">The server could not be reached or answered with an error.</exception>
    public string Info(string section) => BulkReply("INFO", section);

    /// <summary>The text of CLIENT LIST: one line per connection (after AUTH when the server has a password). Plain
    /// servers only.</summary>
    /// <exception cref="IOException">The server could not be reached or answered with an error.</exception>
    public string ClientList() => BulkReply("CLIENT", "LIST");

    private string BulkReply(params string[] command)
    {
        using var client = Connect();
        var stream = client.GetStream();
        Send(stream, command);
        var header = ReadLine(stream);
        if (!header.StartsWith('$'))
        {
            throw new IOException($"redis-server on port {Port} answered {string.Join(' ', command)} with '{header}'");
        }

        var body = new byte[int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture)];
        stream.ReadExactly(body);
        return Encoding.UTF8.GetString(body);
    }

    /// <summary>A loopback port nobody listens on right now (it may be taken by the time it is used): for a server to
    /// start on. A port that must refuse connections for a whole test is a <see cref="ClosedPort"/>.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private List<string> Arguments()
    {
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "--port", Tls is null ? port : "0", "--bind", "127.0.0.1", "--dir", WorkDir, "--save", "", "--daemonize", "no", "--loglevel", "warning",
        };
        args.AddRange(_options.AppendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]);
        if (Tls is { } t)
        {
            args.AddRange(["--tls-port", port, "--tls-cert-file", t.ServerCertPath, "--tls-key-file", t.ServerKeyPath, "--tls-ca-cert-file", t.CaPath, "--tls-auth-clients", "no"]);
        }

        if (Password is not null)
        {
            args.AddRange(["--requirepass", Password]);
        }

        if (_options.Cluster)
        {
            args.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(WorkDir, "nodes.conf")]);
        }

        return args;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 16_000)
            {
                _log.AppendLine(line);
            }
        }
    }

    /// <summary>Sends one command (after AUTH when the server has a password) and returns the first line of its reply,
    /// e.g. "+OK".</summary>
    /// <exception cref="IOException">The server could not be reached.</exception>
    public string Command(params string[] words) =>
        TryCommand(words) ?? throw new IOException($"redis-server on port {Port} did not answer {string.Join(' ', words.Take(1))}");

    private string? TryCommand(params string[] words)
    {
        try
        {
            using var client = Connect();
            var stream = client.GetStream();
            Send(stream, words);
            return ReadLine(stream);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }

    /// <summary>A plain TCP connection, authenticated when the server has a password and answers to it.</summary>
    private TcpClient Connect()
    {
        var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, Port);
            if (Password is not null)
            {
                var stream = client.GetStream();
                Send(stream, "AUTH", Password);
                _ = ReadLine(stream); // -ERR/-WRONGPASS is left to the next command's reply
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static void Send(NetworkStream stream, params string[] words)
    {
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{words.Length}\r\n");
        foreach (var w in words)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(w)}\r\n{w}\r\n");
        }

        stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
    }

    private static string ReadLine(NetworkStream stream)
    {
        var line = new StringBuilder();
        int b;
        while ((b = stream.ReadByte()) != '\n')
        {
            if (b < 0)
            {
                throw new IOException("redis-server closed the connection");
            }

            line.Append((char)b);
        }

        return line.ToString().TrimEnd('\r');
    }
}
