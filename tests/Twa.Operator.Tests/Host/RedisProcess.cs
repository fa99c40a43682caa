using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Twa.Operator.Tests.Host;

/// <summary>A real redis-server on a free loopback port in its own temp directory. Fails (never skips) when
/// redis-server is not installed. Dispose kills it and removes the directory.</summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly Process _process;

    public RedisProcess(string? password = null)
    {
        Directory.CreateDirectory(WorkDir);
        Port = FreePort();
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", WorkDir, "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(a);
        }

        if (password is not null)
        {
            info.ArgumentList.Add("--requirepass");
            info.ArgumentList.Add(password);
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
        while (!Listening())
        {
            if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not start within 20 s");
            }

            Thread.Sleep(50);
        }
    }

    public int Port { get; }

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"twa-op-redis-{Guid.NewGuid():N}");

    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private bool Listening()
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
