using System.Globalization;

namespace Twa.Torch.DistWorker;

/// <summary>
/// Bytes this process has written through write/writev (Linux <c>/proc/self/io</c> wchar). Gloo's TCP transport
/// writes with writev, the TCPStore client with send (not counted), so the delta around a collective is the
/// payload plus Gloo's message headers.
/// </summary>
internal static class WireMeter
{
    public static long Written()
    {
        foreach (var line in File.ReadLines("/proc/self/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("/proc/self/io has no wchar line");
    }
}
