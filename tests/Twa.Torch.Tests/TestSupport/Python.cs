using System.Diagnostics;

namespace Twa.Torch.Tests.TestSupport;

/// <summary>Runs small python3 scripts for interoperability tests. Nothing is installed: the probes only ask
/// whether python3 and torch are already importable.</summary>
public static class Python
{
    private static readonly Lazy<string?> s_missing = new(() => Probe("import sys", "python3 is not available"));
    private static readonly Lazy<string?> s_torchMissing = new(() =>
        s_missing.Value ?? Probe("import torch", "python3 cannot import torch (install Debian's python3-torch to run this test)"));

    /// <summary>Debian's interpreter (where python3-torch installs) when present, else python3 from PATH (which
    /// may be another installation, e.g. pyenv's, without torch).</summary>
    public static string Interpreter { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Null when python3 runs, else why not.</summary>
    public static string? MissingReason => s_missing.Value;

    /// <summary>Null when python3 can import torch, else why not.</summary>
    public static string? TorchMissingReason => s_torchMissing.Value;

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>; returns stdout, throws with stderr on failure.</summary>
    public static string Run(string script, params string[] args)
    {
        var (code, stdout, stderr) = Exec(script, args, TimeSpan.FromSeconds(120));
        if (code != 0)
        {
            throw new InvalidOperationException($"python3 exited with {code}:\n{stderr}\n{stdout}");
        }

        return stdout;
    }

    private static string? Probe(string code, string reason)
    {
        try
        {
            var (exit, _, stderr) = Exec(code, [], TimeSpan.FromSeconds(60));
            return exit == 0 ? null : $"{reason}: {LastLine(stderr)}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{reason}: {e.Message}";
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;

    private static (int Code, string Stdout, string Stderr) Exec(string script, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 did not finish within {timeout}");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
