using System.Runtime.InteropServices;

namespace Twa.Torch.Serialization;

/// <summary>Makes a rename durable: after <c>write temp + fsync + rename</c> the new name lives only in the directory's
/// page cache until the directory itself is fsynced, so a power loss could bring back the old file (or no file) under
/// that name while a later write (a pointer naming it) survived. <see cref="Flush"/> fsyncs the directory (Linux; a
/// no-op elsewhere, where .NET offers no portable way).</summary>
public static partial class DirectorySync
{
    /// <summary>fsyncs <paramref name="directory"/> so the entries created or renamed in it so far survive a crash.</summary>
    /// <exception cref="IOException">The directory cannot be opened or synced (the message names it and the errno).</exception>
    public static void Flush(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
