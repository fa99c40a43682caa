using System.Globalization;
using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>The store's reserved metadata keys ("twa." prefix): state scalars and, in local files, chunk checksums.</summary>
internal static class StoreMetadata
{
    public const string ReservedPrefix = "twa.";
    public const string ChunkBytesKey = "twa.chunk_bytes";
    public const string HashPrefix = "twa.xxh64.";
    private const string Generation = "twa.state.generation";
    private const string Step = "twa.state.step";
    private const string Epoch = "twa.state.epoch";
    private const string Batch = "twa.state.batch";
    private const string Rng = "twa.state.rng";
    public const string SequenceKey = "twa.state.sequence";

    public static void CheckUserKeys(IReadOnlyDictionary<string, string> metadata, string what)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        foreach (var key in metadata.Keys)
        {
            if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{what}: key '{key}' uses the reserved prefix '{ReservedPrefix}'; rename it", nameof(metadata));
            }
        }
    }

    public static Dictionary<string, string> UserOnly(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Where(kv => !kv.Key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>User metadata plus the state's scalars under reserved keys.</summary>
    public static Dictionary<string, string> ForState(CommittedState state, long sequence)
    {
        var m = new Dictionary<string, string>(state.Metadata, StringComparer.Ordinal)
        {
            [Generation] = state.Generation.ToString(CultureInfo.InvariantCulture),
            [Step] = state.Step.ToString(CultureInfo.InvariantCulture),
            [Epoch] = state.Epoch.ToString(CultureInfo.InvariantCulture),
            [Batch] = state.Batch.ToString(CultureInfo.InvariantCulture),
            [Rng] = Convert.ToBase64String(state.RngState.Span),
            [SequenceKey] = sequence.ToString(CultureInfo.InvariantCulture),
        };
        return m;
    }

    /// <summary>Rebuilds a state (owning <paramref name="tensors"/>, read from <paramref name="location"/>) from metadata
    /// written by <see cref="ForState"/>. A missing or malformed field is a <see cref="StoreCorruptException"/>; on any
    /// failure the tensors are disposed.</summary>
    public static CommittedState ToState(string location, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<(string, Tensor)> tensors)
    {
        try
        {
            return new CommittedState
            {
                Generation = Long(location, metadata, Generation),
                Step = Long(location, metadata, Step),
                Epoch = checked((int)Long(location, metadata, Epoch)),
                Batch = checked((int)Long(location, metadata, Batch)),
                RngState = Convert.FromBase64String(Get(location, metadata, Rng)),
                Sequence = Long(location, metadata, SequenceKey),
                Metadata = UserOnly(metadata),
                Tensors = tensors,
                Location = location,
            }.Owning();
        }
        catch (Exception e)
        {
            foreach (var (_, t) in tensors)
            {
                t.Dispose();
            }

            if (e is FormatException or OverflowException)
            {
                throw new StoreCorruptException(location, $"a state field is malformed ({e.Message})", e);
            }

            throw;
        }
    }

    public static long Long(string location, IReadOnlyDictionary<string, string> metadata, string key) =>
        long.TryParse(Get(location, metadata, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new StoreCorruptException(location, $"metadata '{key}' = '{metadata[key]}' is not an integer", null);

    public static long GenerationOf(string location, IReadOnlyDictionary<string, string> metadata) => Long(location, metadata, Generation);

    public static long SequenceOf(string location, IReadOnlyDictionary<string, string> metadata) => Long(location, metadata, SequenceKey);

    private static string Get(string location, IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var v) ? v : throw new StoreCorruptException(location, $"metadata '{key}' is missing: not a committed state written by this store", null);
}
