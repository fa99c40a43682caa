using System.Runtime.InteropServices;
using Twa.Torch;

namespace Twa.Torch.Tests;

/// <summary><see cref="HostPages.PopulateForWrite"/>: maps every whole page of a span up front, leaves the content and
/// the partial end pages alone. Residency is read per page of the test's own mapping (mincore), so tests of other
/// classes allocating or freeing memory at the same time do not change what is measured.</summary>
public sealed unsafe partial class HostPagesTests
{
    private const int Pages = 64;

    private static bool Supported => OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 14); // MADV_POPULATE_WRITE

    [Fact]
    public void PopulateForWrite_FreshMapping_MapsItsWholePagesOnlyAndKeepsTheContent()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(HostPages.PopulateForWrite(new byte[1 << 16]));
            return;
        }

        using var mapping = new FreshMapping(Pages);
        var page = mapping.PageSize;
        // From the middle of page 1 to the middle of page 62: pages 2..61 lie wholly inside the span.
        var span = new Span<byte>(mapping.Data + page + page / 2, (Pages - 3) * page);
        mapping.Data[page + page / 2] = 17; // the first and last bytes of the span: pages 1 and 62 become resident
        mapping.Data[page + page / 2 + span.Length - 1] = 42;
        Assert.Equal([1, 62], mapping.ResidentPages());

        Assert.Equal(Supported, HostPages.PopulateForWrite(span));
        if (!Supported)
        {
            return;
        }

        Assert.Equal(Enumerable.Range(1, Pages - 2), mapping.ResidentPages()); // pages 0 and 63 (outside) untouched
        Assert.Equal(17, span[0]);
        Assert.Equal(42, span[^1]);
        Assert.Equal(0, span[span.Length / 2]);
    }

    [Fact]
    public void PopulateForWrite_NoWholePageInside_DoesNothing()
    {
        using var mapping = new FreshMapping(2);
        // One page's length starting mid-page straddles two pages without covering either.
        Assert.False(HostPages.PopulateForWrite(new Span<byte>(mapping.Data + 100, mapping.PageSize)));
        Assert.False(HostPages.PopulateForWrite(Span<byte>.Empty));
        if (OperatingSystem.IsLinux())
        {
            Assert.Empty(mapping.ResidentPages());
        }
    }

    /// <summary>An anonymous private mapping straight from the kernel (mmap): no page resident until touched.</summary>
    private sealed class FreshMapping : IDisposable
    {
        private const int ProtReadWrite = 0x1 | 0x2;
        private const int MapPrivateAnonymous = 0x02 | 0x20;
        private const int MadvNoHugePage = 15;

        public FreshMapping(int pages)
        {
            PageSize = Environment.SystemPageSize;
            Length = (nuint)(pages * PageSize);
            if (!OperatingSystem.IsLinux())
            {
                Data = (byte*)NativeMemory.AlignedAlloc(Length, (nuint)PageSize);
                return;
            }

            var address = Mmap(0, Length, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            Assert.True(address != -1, $"mmap failed: errno {Marshal.GetLastPInvokeError()}");
            Data = (byte*)address;
            // Base pages only: where transparent huge pages (or multi-size ones) are on for all memory, one write could
            // otherwise map a whole block of pages around it. Fails harmlessly on a kernel without THP.
            _ = Madvise(address, Length, MadvNoHugePage);
        }

        public byte* Data { get; }

        public int PageSize { get; }

        private nuint Length { get; }

        /// <summary>Indices of the pages the kernel has resident now (mincore).</summary>
        public int[] ResidentPages()
        {
            var vector = new byte[(int)(Length / (nuint)PageSize)];
            fixed (byte* v = vector)
            {
                Assert.True(Mincore((nint)Data, Length, v) == 0, $"mincore failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return Enumerable.Range(0, vector.Length).Where(i => (vector[i] & 1) != 0).ToArray();
        }

        public void Dispose()
        {
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(0, Munmap((nint)Data, Length));
            }
            else
            {
                NativeMemory.AlignedFree(Data);
            }
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc.so.6", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc.so.6", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc.so.6", EntryPoint = "mincore", SetLastError = true)]
    private static partial int Mincore(nint address, nuint length, byte* vector);
}
