using System.Globalization;
using System.Text;
using Twa.Torch.Serialization;

namespace Twa.Training.Stores;

/// <summary>
/// Committed state in a directory: per slot, <c>DIR/SLOT/state-SEQ-ID.safetensors</c> files (tensors plus the
/// state's scalars and per-chunk checksums in the metadata) and a pointer file <c>DIR/SLOT/LATEST</c> naming the
/// latest one. A commit writes the new file completely (temp + fsync + rename), then replaces the pointer by an
/// atomic rename, then deletes versions older than the previous one; the last good commit is never touched
/// before the new one is complete. Thread-safe within a process (commits are serialised); across processes only
/// one writer per slot is supported (the job's rank 0), readers may be anywhere.
/// </summary>
public sealed class LocalStateStore : IStateStore
{
    private const string PointerFile = "LATEST";
    private const int KeepVersions = 2;
    private const int ReadAttempts = 5;
    private readonly Lock _commitLock = new();

    /// <param name="directory">Root directory (created when missing).</param>
    /// <param name="chunkBytes">Checksum granularity (a positive multiple of 8).</param>
    public LocalStateStore(string directory, int chunkBytes = LocalSnapshotStore.DefaultChunkBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
        ChunkBytes = ChunkSize.Checked(chunkBytes, nameof(chunkBytes));
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public int ChunkBytes { get; }

    /// <summary>The pointer file of <paramref name="slot"/>.</summary>
    public string PointerPath(string slot) => Path.Combine(Directory, slot, PointerFile);

    public long Commit(string slot, CommittedState state)
    {
        CommittedState.CheckSlot(slot);
        ArgumentNullException.ThrowIfNull(state);
        state.Validate();
        lock (_commitLock)
        {
            var dir = Path.Combine(Directory, slot);
            System.IO.Directory.CreateDirectory(dir);
            var (latestPath, latestMeta) = ReadPointerMetadata(slot);
            long sequence = 1;
            if (latestPath is not null)
            {
                var committed = StoreMetadata.GenerationOf(latestPath, latestMeta!);
                if (committed > state.Generation)
                {
                    throw new StaleGenerationException(slot, committed, state.Generation);
                }

                sequence = StoreMetadata.SequenceOf(latestPath, latestMeta!) + 1;
            }

            var name = string.Create(CultureInfo.InvariantCulture, $"state-{sequence:D12}-{Guid.NewGuid():N}.safetensors");
            var path = Path.Combine(dir, name);
            LocalChunkedFile.Write(path, state.Tensors, StoreMetadata.ForState(state, sequence), ChunkBytes);
            WritePointer(dir, name);
            Prune(dir, name);
            return sequence;
        }
    }

    public CommittedState? ReadLatest(string slot)
    {
        CommittedState.CheckSlot(slot);
        for (var attempt = 1; ; attempt++)
        {
            var path = ResolvePointer(slot);
            if (path is null)
            {
                return null;
            }

            try
            {
                using var reader = LocalChunkedFile.Open(path);
                var tensors = new List<(string, Torch.Tensor)>();
                try
                {
                    foreach (var e in reader.Entries)
                    {
                        tensors.Add((e.Name, LocalChunkedFile.ReadTensor(reader, e.Name)));
                    }
                }
                catch
                {
                    tensors.ForEach(t => t.Item2.Dispose());
                    throw;
                }

                return StoreMetadata.ToState(path, reader.Metadata, tensors);
            }
            catch (FileNotFoundException) when (attempt < ReadAttempts)
            {
                // A commit replaced the pointer and pruned this version between our two reads: read the pointer again.
            }
            catch (FileNotFoundException e)
            {
                throw new StoreCorruptException(path, $"the pointer {PointerPath(slot)} names a version that does not exist", e);
            }
        }
    }

    private string? ResolvePointer(string slot)
    {
        var pointer = PointerPath(slot);
        string text;
        try
        {
            text = File.ReadAllText(pointer, Encoding.UTF8).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal) || !text.EndsWith(".safetensors", StringComparison.Ordinal))
        {
            throw new StoreCorruptException(pointer, $"the pointer holds '{text}', not a state file name; delete the slot directory to start over", null);
        }

        return Path.Combine(Directory, slot, text);
    }

    private (string? Path, IReadOnlyDictionary<string, string>? Metadata) ReadPointerMetadata(string slot)
    {
        var path = ResolvePointer(slot);
        if (path is null)
        {
            return (null, null);
        }

        if (!File.Exists(path))
        {
            throw new StoreCorruptException(path, $"the pointer {PointerPath(slot)} names a version that does not exist", null);
        }

        using var reader = LocalChunkedFile.Open(path);
        return (path, reader.Metadata);
    }

    private static void WritePointer(string dir, string name)
    {
        var temp = Path.Combine(dir, $".{PointerFile}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(Encoding.UTF8.GetBytes(name + "\n"));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, Path.Combine(dir, PointerFile), overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        DirectorySync.Flush(dir);
    }

    private static void Prune(string dir, string latest)
    {
        var old = System.IO.Directory.GetFiles(dir, "state-*.safetensors")
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => string.CompareOrdinal(n, latest) < 0)
            .Order(StringComparer.Ordinal).ToArray();
        foreach (var name in old.Take(Math.Max(0, old.Length - (KeepVersions - 1))))
        {
            try
            {
                File.Delete(Path.Combine(dir, name));
            }
            catch (IOException)
            {
                // Best effort: a leftover old version costs disk space only.
            }
        }
    }
}
