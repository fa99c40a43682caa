using Twa.Torch.Serialization;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

public sealed class LocalSnapshotStoreTests : SnapshotStoreContractTests, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"twa-snap-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    protected override ISnapshotStore CreateStore() => new LocalSnapshotStore(_dir, ChunkBytes);

    protected override string LocationOf(ISnapshotStore store, int index) => ((LocalSnapshotStore)store).PathOf(index);

    protected override void CorruptChunk(ISnapshotStore store, int index, int chunk)
    {
        var path = LocationOf(store, index);
        long offset;
        using (var reader = SafetensorsFile.Open(path))
        {
            offset = reader.DataStart + reader.GetEntry(LocalSnapshotStore.ParamsTensor).DataBegin + (chunk * ChunkBytes) + 5;
        }

        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        var b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0x40));
    }

    protected override void Truncate(ISnapshotStore store, int index)
    {
        using var f = new FileStream(LocationOf(store, index), FileMode.Open, FileAccess.ReadWrite);
        f.SetLength(f.Length - 10);
    }

    [Fact]
    public void ReadColumns_FileWithoutChecksums_ReadsUnverified()
    {
        var store = (LocalSnapshotStore)CreateStore();
        using var flat = Torch.Tensors.FromArray<float>(Values(1));
        SafetensorsFile.Write(store.PathOf(0), [(LocalSnapshotStore.ParamsTensor, flat)], new Dictionary<string, string> { ["arch"] = "mlp" });
        using var part = store.ReadColumns(0, 20, 5);
        Assert.Equal(Values(1).Skip(20).Take(5).ToArray(), part.ToArray<float>());
        Assert.Equal("mlp", store.ReadMetadata(0)["arch"]);
    }

    [Fact]
    public void Save_Replacing_LeavesNoTemporaryFiles()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        SaveVector(store, 0, Values(1));
        Assert.Equal(["snapshot-000000.safetensors"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }
}
