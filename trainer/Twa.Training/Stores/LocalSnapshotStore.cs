using System.Globalization;
using Twa.Torch;
using Twa.Torch.Serialization;

namespace Twa.Training.Stores;

/// <summary>Snapshots as <c>DIR/snapshot-NNNNNN.safetensors</c>: tensor <c>params</c> (the flat vector) plus one
/// tensor per BN buffer under its state_dict name, with per-chunk xxHash64 checksums in the file's metadata;
/// written via temp file + rename, so the previous file stays intact until the new one is complete. Range reads
/// read and verify only the chunks that cover the range. Snapshots written by PyTorch in this layout (see
/// `twa import`) are read the same way, unverified (they carry no checksums). Thread-safe.</summary>
public sealed class LocalSnapshotStore : ISnapshotStore
{
    public const string ParamsTensor = "params";

    /// <summary>Default chunk size: 1 MiB (262,144 f32 values).</summary>
    public const int DefaultChunkBytes = 1 << 20;

    public LocalSnapshotStore(string directory) : this(directory, DefaultChunkBytes)
    {
    }

    /// <param name="directory">Created when missing.</param>
    /// <param name="chunkBytes">Checksum granularity for new snapshots (a positive multiple of 8).</param>
    public LocalSnapshotStore(string directory, int chunkBytes)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory = directory;
        ChunkBytes = ChunkSize.Checked(chunkBytes, nameof(chunkBytes));
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public int ChunkBytes { get; }

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
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        StoreMetadata.CheckUserKeys(metadata, $"snapshot {index} metadata");
        var tensors = new List<(string, Tensor)> { (ParamsTensor, flatParameters) };
        tensors.AddRange(buffers);
        LocalChunkedFile.Write(PathOf(index), tensors, metadata, ChunkBytes);
    }

    public Tensor ReadColumns(int index, long start, long count)
    {
        using var reader = Open(index);
        var entry = Params(reader, start, count);
        var (buffer, offset) = LocalChunkedFile.ReadRange(reader, ParamsTensor, start * entry.ElementSize, count * entry.ElementSize);
        return TensorBytes.ToTensor(buffer.AsSpan(offset, (int)(count * entry.ElementSize)), DType.Float32, [count]);
    }

    public void ReadColumnsInto(int index, long start, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var reader = Open(index);
        var count = destination.NumElements;
        var entry = Params(reader, start, count);
        var (buffer, offset) = LocalChunkedFile.ReadRange(reader, ParamsTensor, start * entry.ElementSize, count * entry.ElementSize);
        TensorBytes.CopyInto(buffer.AsSpan(offset, (int)(count * entry.ElementSize)), destination);
    }

    public IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index)
    {
        using var reader = Open(index);
        var result = new List<(string, Tensor)>();
        try
        {
            foreach (var e in reader.Entries.Where(e => e.Name != ParamsTensor))
            {
                result.Add((e.Name, LocalChunkedFile.ReadTensor(reader, e.Name)));
            }

            return result;
        }
        catch
        {
            result.ForEach(t => t.Item2.Dispose());
            throw;
        }
    }

    public long ParameterCount(int index)
    {
        using var reader = Open(index);
        return reader.GetEntry(ParamsTensor).NumElements;
    }

    public IReadOnlyDictionary<string, string> ReadMetadata(int index)
    {
        using var reader = Open(index);
        return StoreMetadata.UserOnly(reader.Metadata);
    }

    private static SafetensorsEntry Params(SafetensorsReader reader, long start, long count)
    {
        if (!reader.Contains(ParamsTensor))
        {
            throw new StoreCorruptException(reader.FilePath, $"the file has no '{ParamsTensor}' tensor: not a snapshot", null);
        }

        var entry = reader.GetEntry(ParamsTensor);
        if (entry.DType != DType.Float32)
        {
            throw new StoreCorruptException(reader.FilePath, $"'{ParamsTensor}' is {entry.DTypeName}, not F32", null);
        }

        TensorBytes.CheckRange(reader.FilePath, start, count, entry.NumElements);
        return entry;
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

        return LocalChunkedFile.Open(path);
    }
}
