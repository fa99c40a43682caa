using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Twa.Training.Stores;

namespace Twa.Cli.Bench;

/// <summary>A redis-server the Redis benchmark starts for itself: a free loopback port, its own temp directory,
/// no persistence. Disposing stops it and removes the directory.</summary>
internal sealed class LocalRedisServer : IDisposable
{
    private readonly Process _process;

    private LocalRedisServer(Process process, int port, string dir)
    {
        _process = process;
        Port = port;
        Directory = dir;
    }

    public int Port { get; }

    public string Directory { get; }

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <exception cref="FileNotFoundException">redis-server is not installed.</exception>
    public static LocalRedisServer Start()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"twa-bench-redis-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--loglevel", "warning" })
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            System.IO.Directory.Delete(dir, recursive: true);
            throw new FileNotFoundException("redis-server is not installed; run `make deps` (Debian package redis-server)", "redis-server", e);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LocalRedisServer(process, port, dir);
        try
        {
            using var probe = RedisConnection.Connect(new RedisStoreOptions { Endpoints = [server.Endpoint], ConnectTimeout = TimeSpan.FromSeconds(10) });
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
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
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
