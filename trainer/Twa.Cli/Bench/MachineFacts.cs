using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Twa.Cli.Bench;

/// <summary>Facts about the machine a benchmark ran on, so figures from different runs can be judged:
/// <c>Nproc</c> is the processors available to this process (what `nproc` prints), <c>LoadAverage1m</c> the
/// 1-minute load average at the start (/proc/loadavg; well above 0 means the machine was shared).</summary>
internal sealed record MachineFacts(
    int Nproc,
    string CpuModel,
    long MemoryTotalBytes,
    string Os,
    string Dotnet,
    [property: JsonPropertyName("load_average_1m")] double? LoadAverage1m)
{
    public static MachineFacts Collect() => new(
        Environment.ProcessorCount,
        ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        ReadMemoryTotal(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        LoadAverage());

    /// <summary>The current 1-minute load average, or null where /proc/loadavg is missing.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The size of the largest cache of CPU 0 (the last level: its L3 here), from
    /// <paramref name="cacheDirectory"/> (sysfs: index*/level and index*/size, e.g. "266240K"); null where none can
    /// be read.</summary>
    public static long? LastLevelCacheBytes(string cacheDirectory = "/sys/devices/system/cpu/cpu0/cache")
    {
        try
        {
            long? largest = null;
            foreach (var index in Directory.EnumerateDirectories(cacheDirectory, "index*"))
            {
                var size = ParseCacheSize(File.ReadAllText(Path.Combine(index, "size")).Trim());
                if (size is long bytes && (largest is null || bytes > largest))
                {
                    largest = bytes;
                }
            }

            return largest;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"48K", "2048K", "32M" or a plain byte count as bytes; null for anything else.</summary>
    public static long? ParseCacheSize(string text)
    {
        var unit = text.Length > 0 ? char.ToUpperInvariant(text[^1]) : ' ';
        var (digits, scale) = unit switch
        {
            'K' => (text[..^1], 1L << 10),
            'M' => (text[..^1], 1L << 20),
            'G' => (text[..^1], 1L << 30),
            _ => (text, 1L),
        };
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v * scale : null;
    }

    private static long ReadMemoryTotal()
    {
        var kb = ProcField("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        return long.TryParse(kb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v * 1024 : -1;
    }

    private static string? ProcField(string path, string key)
    {
        try
        {
            return File.ReadLines(path)
                .Where(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
