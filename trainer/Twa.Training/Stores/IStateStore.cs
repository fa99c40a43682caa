namespace Twa.Training.Stores;

/// <summary>
/// The committed training state of a job, one value per slot (e.g. "base", "twa"): what a rank restores after a
/// restart or a new membership generation. <see cref="Commit"/> is atomic: readers see either the previous
/// commit or the new one in full, never a mix, and the previous commit is not touched before the new one is
/// complete. Values are chunked and checksummed like snapshots; a corrupt one raises
/// <see cref="StoreCorruptException"/>. Implementations: <see cref="LocalStateStore"/> and
/// <see cref="RedisStateStore"/>. Thread-safe.
/// </summary>
public interface IStateStore
{
    /// <summary>Commits <paramref name="state"/> as the latest of <paramref name="slot"/> (letters, digits, '-', '_'
    /// and '.'); the state's tensors are read, not modified or disposed. Returns the commit's sequence number
    /// (1, 2, ... per slot).</summary>
    /// <exception cref="StaleGenerationException">The slot holds state of a newer generation than
    /// <see cref="CommittedState.Generation"/>.</exception>
    long Commit(string slot, CommittedState state);

    /// <summary>The latest committed state of <paramref name="slot"/>, or null when nothing was committed. The result
    /// owns its tensors (dispose it).</summary>
    /// <exception cref="StoreCorruptException">The latest commit fails its integrity check.</exception>
    CommittedState? ReadLatest(string slot);
}
