using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>
/// Where a job's weight snapshots live: flat parameter vectors (D f32 values, the model's flat order) plus the
/// BN buffers of the same moment. A rank reads only its column range of each snapshot. Implementations: a
/// local directory of safetensors files (`twa train`), Redis (cluster; next issue). Thread-safe.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>Indices of the snapshots saved so far, ascending.</summary>
    IReadOnlyList<int> Indices();

    /// <summary>Saves snapshot <paramref name="index"/> atomically (a reader never sees half of it); replaces an existing one.</summary>
    void Save(int index, Tensor flatParameters, IReadOnlyList<(string Name, Tensor Tensor)> buffers, IReadOnlyDictionary<string, string> metadata);

    /// <summary>Elements [start, start + count) of snapshot <paramref name="index"/>'s flat vector as a new f32 tensor.</summary>
    /// <exception cref="SnapshotNotFoundException">No such snapshot.</exception>
    Tensor ReadColumns(int index, long start, long count);

    /// <summary>Copies elements [start, start + destination.numel) of snapshot <paramref name="index"/> into <paramref name="destination"/>.</summary>
    void ReadColumnsInto(int index, long start, Tensor destination);

    /// <summary>The BN buffers saved with snapshot <paramref name="index"/> (new tensors owned by the caller).</summary>
    IReadOnlyList<(string Name, Tensor Tensor)> ReadBuffers(int index);

    /// <summary>Number of parameters D of snapshot <paramref name="index"/>.</summary>
    long ParameterCount(int index);
}
