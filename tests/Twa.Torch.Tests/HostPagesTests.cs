using System.Runtime.InteropServices;
using Twa.Torch;

namespace Twa.Torch.Tests;

/// <summary><see cref="HostPages.PopulateForWrite"/>: maps every whole page of a span up front, leaves the content and
/// the partial end pages alone.</summary>
public sealed unsafe class HostPagesTests
{
    private const int Bytes = 32 << 20;

    [Fact]
    public void PopulateForWrite_FreshAllocation_MapsItsPagesAndKeepsItsContent()
    {
        var supported = OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 14); // MADV_POPULATE_WRITE
        // Large enough that the allocator maps it fresh from the kernel: nothing is resident until it is written.
        var data = (byte*)NativeMemory.AlignedAlloc(Bytes, 4096);
        try
        {
            var span = new Span<byte>(data, Bytes);
            span[0] = 17;
            span[^1] = 42;
            var before = ResidentBytes();
            Assert.Equal(supported, HostPages.PopulateForWrite(span));
            if (!supported)
            {
                return;
            }

            var grown = ResidentBytes() - before;
            Assert.True(grown >= Bytes - (64 << 10), $"resident memory grew by {grown} bytes, expected about {Bytes}");
            Assert.Equal(17, span[0]);
            Assert.Equal(42, span[^1]);
            Assert.Equal(0, span[Bytes / 2]);
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    [Fact]
    public void PopulateForWrite_NoWholePageInside_DoesNothing()
    {
        var data = (byte*)NativeMemory.AlignedAlloc(8192, 4096);
        try
        {
            // 4096 bytes starting mid-page straddle two pages without covering either.
            Assert.False(HostPages.PopulateForWrite(new Span<byte>(data + 100, 4096)));
            Assert.False(HostPages.PopulateForWrite(Span<byte>.Empty));
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    /// <summary>Resident set size of this process (/proc/self/statm, second field, in pages).</summary>
    private static long ResidentBytes() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
}
