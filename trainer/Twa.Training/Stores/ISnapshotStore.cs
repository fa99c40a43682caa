using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>
/// Where a job's weight snapshots live: flat parameter vectors (D f32 values, the model's flat order) plus the
/// BN buffers of the same moment and a few metadata strings. A rank reads only its column range of each snapshot,
/// and a range read touches only the stored chunks that cover it. Every chunk carries a checksum; a corrupt or
/// truncated snapshot raises <see cref="StoreCorruptException"/> naming the file or key. Saving never overwrites
/// the previous copy before the new one is complete. Implementations: <see cref="LocalSnapshotStore"/> (a
/// directory, the default of `twa train`) and <see cref="RedisSnapshotStore"/> (cluster). Thread-safe.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>Indices of the snapshots saved so far, ascending.</summary>
    IReadOnlyList<int> Indices();

    /// <summary>Saves snapshot <paramref name="index"/> atomically (a reader never sees half of it); replaces an existing
    /// one. The tensors are read, not modified or disposed. Metadata keys starting with "twa." are reserved.</summary>
    void Save(int index, Tensor flatParameters, IReadOnlyList<(string Name, Tensor Tensor)> buffers, IReadOnlyDictionary<string, string> metadata);

    /// <summary>Elements [start, start + count) of snapshot <paramref name="index"/>'s flat vector as a new f32 tensor
    /// owned by the caller.</summary>
    /// <exception cref="SnapshotNotFoundException">No such snapshot.</exception>
    /// <exception cref="StoreCorruptException">A chunk covering the range is corrupt or missing.</exception>
    Tensor ReadColumns(int index, long start, long count);

    /// <summary>Copies elements [start, start + destination.numel) of snapshot <paramref name="index"/> into
    /// <paramref name="destination"/> (any device; may be a view such as a row of a matrix). When it throws (e.g.
    /// <see cref="StoreCorruptException"/>), the destination's content is undefined: it may hold some of the bytes,
    /// including those of the chunk that failed its check.</summary>
    void ReadColumnsInto(int index, long start, Tensor destination);

    /// <summary>The BN buffers saved with snapshot <paramref name="index"/> (new tensors owned by the caller).</summary>
    IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index);

    /// <summary>Number of parameters D of snapshot <paramref name="index"/>.</summary>
    long ParameterCount(int index);

    /// <summary>The metadata strings saved with snapshot <paramref name="index"/> (without the store's reserved "twa." keys).</summary>
    IReadOnlyDictionary<string, string> ReadMetadata(int index);
}
