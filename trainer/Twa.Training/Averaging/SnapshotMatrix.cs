using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Training.Averaging;

/// <summary>Reads the selected snapshots (columns [start, start + count) of each) into one n×count f32 matrix.</summary>
public static class SnapshotMatrix
{
    /// <exception cref="SnapshotNotFoundException">A selected snapshot is not in the store, or has another D.</exception>
    public static Tensor Read(ISnapshotStore store, IReadOnlyList<int> indices, long start, long count, long expectedD)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(indices);
        var available = store.Indices();
        var missing = indices.Where(i => !available.Contains(i)).ToArray();
        if (missing.Length > 0)
        {
            var have = available.Count == 0 ? "none" : $"{available[0]}..{available[^1]}";
            throw new SnapshotNotFoundException(
                $"spec.training.twa.snapshots selects snapshot(s) {string.Join(", ", missing)} but the store has {have}; lower 'to' or train longer");
        }

        var w = Tensors.Empty([indices.Count, count]);
        try
        {
            for (var r = 0; r < indices.Count; r++)
            {
                var d = store.ParameterCount(indices[r]);
                if (d != expectedD)
                {
                    throw new SnapshotNotFoundException($"snapshot {indices[r]} has {d} parameters but the model has {expectedD}; it belongs to another architecture");
                }

                using var row = w.Select(0, r);
                store.ReadColumnsInto(indices[r], start, row);
            }

            return w;
        }
        catch
        {
            w.Dispose();
            throw;
        }
    }
}
