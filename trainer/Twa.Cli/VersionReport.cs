using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Twa.Torch;

namespace Twa.Cli;

/// <summary>What `twa --version` prints: twa, libtorch, the BLAS actually loaded, the threads training uses, the TWA projection kernels'
/// instruction set and devices.</summary>
internal static partial class VersionReport
{
    public static string Build()
    {
        var twa = typeof(VersionReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                  ?? "unknown";
        var plus = twa.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0)
        {
            twa = twa[..plus];
        }

        var config = LibTorch.BuildConfig;
        var sb = new StringBuilder();
        sb.AppendLine($"twa {twa}");
        sb.AppendLine($"libtorch {LibTorch.Version}");
        sb.AppendLine($"blas {LoadedBlas() ?? "unknown"}{BlasFromConfig(config)}");
        // What `twa train` / `twa worker` would use here, not this process's library defaults (which training overrides).
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"threads training {Environment.ProcessorCount} (all cores unless --threads), OpenBLAS {TrainingThreads.BlasThreadsFor(Environment.GetEnvironmentVariable(TrainingThreads.BlasVariable))} ({TrainingThreads.BlasVariable})"));
        sb.AppendLine($"projection kernels {PackedProjection.NameOf(PackedProjection.BestIsa)}");
        var gpus = LibTorch.CudaDeviceCount;
        var devices = new List<string> { "cpu" };
        devices.AddRange(Enumerable.Range(0, gpus).Select(i => $"cuda:{i}"));
        sb.AppendLine($"devices {string.Join(", ", devices)}");
        sb.Append($"distributed gloo{(LibTorch.IsNcclAvailable ? ", nccl" : string.Empty)}");
        return sb.ToString();
    }

    /// <summary>The BLAS shared object mapped into this process (Debian's libblas.so.3 is an alternative link).</summary>
    private static string? LoadedBlas()
    {
        try
        {
            var maps = File.ReadAllLines("/proc/self/maps");
            var blas = maps.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty)
                .Where(p => p.StartsWith('/') && (p.Contains("blas", StringComparison.OrdinalIgnoreCase) || p.Contains("mkl", StringComparison.OrdinalIgnoreCase)))
                .Distinct().ToList();
            if (blas.Count == 0)
            {
                return null;
            }

            var resolved = blas.Select(p => new FileInfo(p).ResolveLinkTarget(true)?.FullName ?? p).Distinct();
            return string.Join(", ", resolved);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string BlasFromConfig(string config)
    {
        var m = BlasLine().Match(config);
        return m.Success ? $" (libtorch built with BLAS_INFO={m.Groups[1].Value})" : string.Empty;
    }

    [GeneratedRegex(@"BLAS_INFO=([^,\s]+)")]
    private static partial Regex BlasLine();
}
