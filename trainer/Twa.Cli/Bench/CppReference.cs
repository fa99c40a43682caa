using System.Diagnostics;
using System.Globalization;

namespace Twa.Cli.Bench;

/// <summary>Finds and runs the C++ reference (trainer/native/bench/matmul_ref.cpp, built by the Twa.Torch
/// project into build/native/twa_matmul_ref) as a child process, with the same counts and threads as
/// the C# side, and parses its <c>key value...</c> lines.</summary>
internal static class CppReference
{
    private const string RelativePath = "build/native/twa_matmul_ref";

    /// <summary>The explicit path when given, else the first build/native/twa_matmul_ref found walking up
    /// from this program's directory (bin/, build/cli/ or trainer/Twa.Cli/bin/...) and then from the
    /// current directory.</summary>
    /// <exception cref="FileNotFoundException">Nothing found; the message lists every path tried.</exception>
    public static string Locate(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath)
                ? Path.GetFullPath(explicitPath)
                : throw new FileNotFoundException($"C++ reference not found at {explicitPath} (--reference)", explicitPath);
        }

        var tried = new List<string>();
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                tried.Add(candidate);
            }
        }

        throw new FileNotFoundException(
            "C++ reference twa_matmul_ref not found; build it with `dotnet build TwaOperator.sln` (or `make build`) " +
            "or pass --reference PATH. Tried: " + string.Join(", ", tried.Distinct()));
    }

    public static CppReferenceRun Run(string path, BenchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--threads", I(settings.Threads), "--n", I(settings.MatmulN), "--reps", I(settings.MatmulReps),
                     "--warmup", I(BenchSettings.MatmulWarmup), "--calls", I(settings.TinyCalls), "--samples", I(settings.TinySamples),
                 })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(BenchSettings.Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{path} did not finish within {BenchSettings.Timeout.TotalSeconds:F0} s");
        }

        var text = stdout.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{path} exited with code {process.ExitCode} (its stderr is above)");
        }

        return Parse(text);
    }

    internal static CppReferenceRun Parse(string text)
    {
        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0].EndsWith("_seconds", StringComparison.Ordinal) || parts[0].EndsWith("_ns", StringComparison.Ordinal))
            {
                samples[parts[0]] = parts.Skip(1).Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            }
            else if (parts.Length >= 2)
            {
                facts[parts[0]] = string.Join(' ', parts.Skip(1));
            }
        }

        string Fact(string key) =>
            facts.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"the C++ reference printed no '{key}' line");

        return new CppReferenceRun(
            Fact("torch_version"),
            int.Parse(Fact("intraop_threads"), CultureInfo.InvariantCulture),
            int.Parse(Fact("blas_threads"), CultureInfo.InvariantCulture),
            Fact("blas_vendor"),
            samples);
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
