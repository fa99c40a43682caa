using System.Runtime.InteropServices;

namespace Twa.Torch;

/// <summary>
/// Page-level hints for host memory that is about to be written in bulk. A freshly allocated large tensor is backed by
/// pages the kernel has not mapped yet; the first write to each 4 KiB page then traps into the kernel. When that first
/// write is a socket receive (a snapshot read straight into a new tensor), the trap happens inside the receive, one page
/// at a time, and halved the read's throughput. <see cref="PopulateForWrite"/> maps them all in one system call first.
/// </summary>
public static unsafe partial class HostPages
{
    private const int MadvPopulateWrite = 23; // Linux 5.14+
    private const int Einval = 22;

    private static volatile bool _unsupported = !OperatingSystem.IsLinux();

    /// <summary>Maps, writable, every whole page inside <paramref name="memory"/> (madvise MADV_POPULATE_WRITE); the
    /// partial pages at its ends are left alone, as is the content. Returns false (having done nothing) where the system
    /// cannot: not Linux (glibc), a kernel older than 5.14, or no whole page inside the span. A hint only: callers write
    /// the memory either way.</summary>
    public static bool PopulateForWrite(Span<byte> memory)
    {
        if (_unsupported || memory.IsEmpty)
        {
            return false;
        }

        var page = (nuint)Environment.SystemPageSize;
        fixed (byte* data = memory)
        {
            var first = ((nuint)data + page - 1) & ~(page - 1);
            var end = ((nuint)data + (nuint)memory.Length) & ~(page - 1);
            if (end <= first)
            {
                return false;
            }

            int result;
            try
            {
                result = Madvise((nint)first, end - first, MadvPopulateWrite);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _unsupported = true; // a C library other than glibc: no hint, same result
                return false;
            }

            if (result == 0)
            {
                return true;
            }

            // EINVAL: the kernel does not know the advice; do not ask again. Other errors (e.g. ENOMEM) are transient.
            if (Marshal.GetLastPInvokeError() == Einval)
            {
                _unsupported = true;
            }

            return false;
        }
    }

    // SetLastError: the marshaller saves errno right after the call, before the runtime can overwrite it.
    [LibraryImport("libc.so.6", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
