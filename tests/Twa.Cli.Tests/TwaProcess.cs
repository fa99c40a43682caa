using System.Diagnostics;

namespace Twa.Cli.Tests;

/// <summary>Runs the built `twa` (twa.dll next to this test assembly) as a child process.</summary>
public static class TwaProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunAsync(TimeSpan.FromSeconds(60), environment, args);

    /// <summary>Runs `twa ARGS`; fails with <see cref="OperationCanceledException"/> after <paramref name="timeout"/>.</summary>
    public static async Task<Result> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twa.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(timeout);
        var stdout = p.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = p.StandardError.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        return new Result(p.ExitCode, await stdout, await stderr);
    }
}
