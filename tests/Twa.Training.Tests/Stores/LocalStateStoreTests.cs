using Twa.Torch.Serialization;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

public sealed class LocalStateStoreTests : StateStoreContractTests, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"twa-state-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    protected override IStateStore CreateStore() => new LocalStateStore(_dir, chunkBytes: 64);

    protected override string LocationOfLatest(IStateStore store, string slot)
    {
        var pointer = ((LocalStateStore)store).PointerPath(slot);
        return Path.Combine(Path.GetDirectoryName(pointer)!, File.ReadAllText(pointer).Trim());
    }

    protected override void CorruptLatest(IStateStore store, string slot)
    {
        var path = LocationOfLatest(store, slot);
        long offset;
        using (var reader = SafetensorsFile.Open(path))
        {
            offset = reader.DataStart + reader.GetEntry("optimizer.momentum").DataBegin + 100;
        }

        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        var b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 1));
    }

    [Fact]
    public void Commit_Many_KeepsOnlyTheLatestTwoVersions()
    {
        var store = CreateStore();
        for (var k = 1; k <= 5; k++)
        {
            using var s = StateOf(k);
            store.Commit("twa", s);
        }

        var files = Directory.GetFiles(Path.Combine(_dir, "twa"), "state-*").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(2, files.Length);
        Assert.StartsWith("state-000000000004-", files[0], StringComparison.Ordinal);
        Assert.StartsWith("state-000000000005-", files[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLatest_PointerToMissingVersion_ThrowsNamingThePointer()
    {
        var store = (LocalStateStore)CreateStore();
        using (var s = StateOf(1))
        {
            store.Commit("twa", s);
        }

        File.Delete(LocationOfLatest(store, "twa"));
        var e = Assert.Throws<StoreCorruptException>(() => store.ReadLatest("twa"));
        Assert.Contains(store.PointerPath("twa"), e.Message, StringComparison.Ordinal);
    }
}
