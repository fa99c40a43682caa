using System.Globalization;
using Twa.Torch;
using Twa.Torch.Serialization;

namespace Twa.Training.Stores;

/// <summary>Snapshots as <c>DIR/snapshot-NNNNNN.safetensors</c>: tensor <c>params</c> (the flat vector) plus one
/// tensor per BN buffer under its state_dict name; written via temp file + rename. Snapshots written by PyTorch
/// in this layout (see `twa import`) are read the same way. Thread-safe.</summary>
public sealed class LocalSnapshotStore : ISnapshotStore
{
    public const string ParamsTensor = "params";

    public LocalSnapshotStore(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public string PathOf(int index) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"snapshot-{index:D6}.safetensors"));

    public IReadOnlyList<int> Indices() =>
        System.IO.Directory.GetFiles(Directory, "snapshot-*.safetensors")
            .Select(f => Path.GetFileNameWithoutExtension(f)["snapshot-".Length..])
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Where(i => i >= 0).Order().ToArray();

    public void Save(int index, Tensor flatParameters, IReadOnlyList<(string Name, Tensor Tensor)> buffers, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(flatParameters);
        ArgumentNullException.ThrowIfNull(buffers);
        var tensors = new List<(string, Tensor)> { (ParamsTensor, flatParameters) };
        tensors.AddRange(buffers);
        SafetensorsFile.Write(PathOf(index), tensors, metadata);
    }

    public Tensor ReadColumns(int index, long start, long count)
    {
        using var reader = Open(index);
        return reader.ReadElements(ParamsTensor, start, count);
    }

    public void ReadColumnsInto(int index, long start, Tensor destination)
    {
        using var reader = Open(index);
        reader.ReadElementsInto(ParamsTensor, start, destination);
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index)
    {
        using var reader = Open(index);
        return reader.Entries.Where(e => e.Name != ParamsTensor).Select(e => (e.Name, reader.ReadTensor(e.Name))).ToArray();
    }

    public long ParameterCount(int index)
    {
        using var reader = Open(index);
        return reader.GetEntry(ParamsTensor).Shape.Aggregate(1L, (a, b) => a * b);
    }

    private SafetensorsReader Open(int index)
    {
        var path = PathOf(index);
        if (!File.Exists(path))
        {
            var have = Indices();
            throw new SnapshotNotFoundException(
                $"snapshot {index} not found in {Directory} (have {(have.Count == 0 ? "none" : $"{have[0]}..{have[^1]}")})");
        }

        return SafetensorsFile.Open(path);
    }
}
