using Twa.Torch.Serialization;

namespace Twa.Torch.Tests.Serialization;

/// <summary><see cref="DirectorySync"/> really opens and fsyncs the directory (a wrong path is an error naming it, not
/// a silent no-op); whether the rename then survives a power loss cannot be shown in a test.</summary>
public sealed class DirectorySyncTests
{
    [Fact]
    public void Flush_ExistingDirectory_Succeeds()
    {
        var dir = Directory.CreateTempSubdirectory("twa-dirsync-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "a"), "x");
            DirectorySync.Flush(dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Flush_MissingDirectory_ThrowsNamingIt()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests run on Linux (CI: Debian 12), where the directory is synced");
        var missing = Path.Combine(Path.GetTempPath(), $"twa-no-such-dir-{Guid.NewGuid():N}");

        var e = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("errno 2", e.Message, StringComparison.Ordinal); // ENOENT: the path was really opened
    }
}
