using System.Diagnostics;
using System.Globalization;
using Twa.Torch.DistWorker;

namespace Twa.Torch.Tests.Distributed;

/// <summary>
/// One Twa.Torch.DistWorker OS process (<c>dotnet Twa.Torch.DistWorker.dll ...</c>) with its stdout/stderr
/// collected as lines. Disposing kills it if it still runs.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private static readonly string s_workerDll = Path.Combine(AppContext.BaseDirectory, "Twa.Torch.DistWorker.dll");

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    private WorkerProcess(WorkerOptions options)
    {
        Options = options;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(s_workerDll);
        foreach (var a in options.ToArguments())
        {
            start.ArgumentList.Add(a);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data is null ? null : "stderr: " + e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public WorkerOptions Options { get; }

    public int Rank => Options.Rank;

    /// <summary>Starts <paramref name="size"/> workers: rank 0 first (it hosts the store on a free port), then the
    /// others with the port it printed.</summary>
    public static async Task<WorkerProcess[]> StartGroupAsync(
        string scenario, int size, int timeoutMs, int victim, CancellationToken cancellationToken)
    {
        var workers = new WorkerProcess[size];
        workers[0] = new WorkerProcess(new WorkerOptions(scenario, 0, size, 0, timeoutMs, victim));
        try
        {
            var port = int.Parse(Field(await workers[0].WaitForLineAsync("STORE_PORT", cancellationToken), 1), CultureInfo.InvariantCulture);
            for (var r = 1; r < size; r++)
            {
                workers[r] = new WorkerProcess(new WorkerOptions(scenario, r, size, port, timeoutMs, victim));
            }

            return workers;
        }
        catch
        {
            DisposeAll(workers);
            throw;
        }
    }

    public static void DisposeAll(IEnumerable<WorkerProcess?> workers)
    {
        foreach (var w in workers)
        {
            w?.Dispose();
        }
    }

    /// <summary>Field <paramref name="index"/> of a protocol line (space-separated; the last field may hold spaces
    /// only when it is asked for with <paramref name="rest"/>).</summary>
    public static string Field(string line, int index, bool rest = false)
    {
        var parts = line.Split(' ', rest ? index + 1 : int.MaxValue);
        return parts[index];
    }

    /// <summary>The values of <c>RESULT name v,v,...</c>.</summary>
    public async Task<double[]> ResultAsync(string name, CancellationToken cancellationToken)
    {
        var line = await WaitForLineAsync($"RESULT {name}", cancellationToken);
        return Field(line, 2).Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The first line that is <paramref name="prefix"/> or starts with it followed by a space.</summary>
    public async Task<string> WaitForLineAsync(string prefix, CancellationToken cancellationToken)
    {
        while (true)
        {
            var exited = _process.HasExited;
            if (exited)
            {
                _process.WaitForExit(); // drains the redirected output
            }

            lock (_gate)
            {
                var line = _lines.Find(l => l == prefix || l.StartsWith(prefix + " ", StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }
            }

            if (exited || cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"rank {Rank} did not print '{prefix}'; its output:\n{Transcript()}");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"rank {Rank} did not exit; its output so far:\n{Transcript()}", e);
        }

        return _process.ExitCode;
    }

    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGKILL, as when a pod dies.</summary>
    public void Kill() => _process.Kill();

    public string Transcript()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Select(l => $"  [{Rank}] {l}"));
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
        }
    }
}
