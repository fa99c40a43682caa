using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Twa.Cli.Tests;

/// <summary>A real redis-server for the CLI tests: a free loopback port, its own temp directory, appendonly yes with
/// fsync on every write (so a SIGKILL loses nothing committed), restartable on the same port and directory. Fails (never
/// skips) when redis-server is missing, naming `make deps`. <see cref="Dispose"/> kills it and removes the directory.</summary>
public sealed class RedisProcess : IDisposable
{
    private readonly string? _password;
    private Process? _process;

    /// <param name="password">requirepass (null: none).</param>
    public RedisProcess(string? password = null)
    {
        _password = password;
        Directory.CreateDirectory(WorkDir);
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"twa-cli-redis-{Guid.NewGuid():N}");

    public string Uri => string.Create(CultureInfo.InvariantCulture, $"redis://127.0.0.1:{Port}/0");

    /// <summary>Starts redis-server (again) and waits until it answers PING.</summary>
    public void Start()
    {
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", WorkDir, "--save", "",
            "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning",
        })
        {
            info.ArgumentList.Add(a);
        }

        if (_password is not null)
        {
            info.ArgumentList.Add("--requirepass");
            info.ArgumentList.Add(_password);
        }

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
        while (Command("PING") is not ("+PONG" or "-NOAUTH Authentication required."))
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within 20 s");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>SIGKILL (a crash, not a clean shutdown).</summary>
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

    /// <summary>Number of keys matching <paramref name="pattern"/> (KEYS over plain RESP, independent of the trainer's client).</summary>
    public int CountKeys(string pattern)
    {
        var reply = Command("KEYS", pattern);
        return reply is not null && reply.StartsWith('*') ? int.Parse(reply[1..], CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Sends one command; returns the first reply line (null when the server cannot be reached).</summary>
    private string? Command(params string[] words)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            using var stream = client.GetStream();
            var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{words.Length}\r\n");
            foreach (var w in words)
            {
                request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(w)}\r\n{w}\r\n");
            }

            stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
            var line = new StringBuilder();
            int b;
            while ((b = stream.ReadByte()) is >= 0 and not '\n')
            {
                line.Append((char)b);
            }

            return line.ToString().TrimEnd('\r');
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
