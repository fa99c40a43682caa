using System.Buffers.Binary;

namespace Twa.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}</c>, then
/// the tensors' bytes (row-major, little-endian, contiguous) with offsets relative to the start of that buffer.
/// Supported dtypes: F32, F64, F16, BF16, I64, I32, U8, BOOL. Writing follows the reference writer: tensors ordered
/// by dtype (widest first, in the reference's enum order) then by name, header padded with spaces to a multiple
/// of 8. Reading validates everything (see <see cref="SafetensorsFormatException"/>). The methods are thread-safe
/// as long as the tensors passed in are not being mutated.
/// </summary>
public static class SafetensorsFile
{
    private const int ChunkBytes = 1 << 30;

    /// <summary>Writes <paramref name="tensors"/> (any device and layout; they are not modified or disposed) and
    /// optional <paramref name="metadata"/> to <paramref name="path"/>. The file is written under a temporary name in
    /// the same directory, flushed to disk and renamed over <paramref name="path"/>, so readers see either the old
    /// file or the complete new one, never a partial file; on failure the temporary file is removed.</summary>
    /// <exception cref="ArgumentException">A name is duplicated, is "__metadata__" or is not valid UTF-16.</exception>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported");
        }

        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var items = new List<SafetensorsHeader.Item>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            }

            if (!byName.TryAdd(name, tensor))
            {
                throw new ArgumentException($"duplicate tensor name '{name}'", nameof(tensors));
            }

            var dtype = tensor.DType;
            items.Add(new SafetensorsHeader.Item(name, Utf8(name, nameof(tensors)), SafetensorsDTypes.NameOf(dtype), tensor.Shape,
                checked(tensor.NumElements * dtype.ElementSize())));
        }

        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                Utf8(key, nameof(metadata));
                Utf8(value, nameof(metadata));
            }
        }

        SafetensorsHeader.SortLikeReference(items);
        var header = SafetensorsHeader.Serialize(items, metadata);

        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var item in items)
                {
                    WriteData(stream, byName[item.Name], item.ByteLength);
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        DirectorySync.Flush(directory); // the rename itself survives a crash
    }

    /// <summary>Writes a name → tensor map; see
    /// <see cref="Write(string, IReadOnlyList{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>.
    /// The file's order does not depend on the dictionary's enumeration order.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Write(path, tensors.Select(kv => (kv.Key, kv.Value)).ToList(), metadata);
    }

    /// <summary>Reads every tensor of <paramref name="path"/> onto <paramref name="device"/> (CPU when null). The
    /// caller owns the returned content (dispose it to free the tensors). Throws
    /// <see cref="SafetensorsFormatException"/> for a malformed file and <see cref="NotSupportedException"/> when a
    /// tensor has a dtype this binding cannot represent.</summary>
    public static SafetensorsContent Read(string path, Device? device = null)
    {
        using var reader = SafetensorsReader.Open(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in reader.Entries)
            {
                var t = reader.ReadTensor(entry.Name, device);
                TensorScope.Current?.Detach(t);
                tensors.Add(entry.Name, t);
            }
        }
        catch
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }

            throw;
        }

        return new SafetensorsContent(reader.Entries.Select(e => e.Name).ToList(), tensors, reader.Metadata);
    }

    /// <summary>Opens <paramref name="path"/> for reading single tensors or ranges of them without loading the whole
    /// file; see <see cref="SafetensorsReader"/>. The caller owns the reader.</summary>
    public static SafetensorsReader Open(string path) => SafetensorsReader.Open(path);

    private static unsafe void WriteData(FileStream stream, Tensor tensor, long byteLength)
    {
        if (byteLength == 0)
        {
            return;
        }

        using var detached = tensor.Detach();
        using var host = detached.To(detached.DType, Device.Cpu);
        using var dense = host.Contiguous();
        var data = (byte*)dense.DataPointer;
        for (long done = 0; done < byteLength;)
        {
            var chunk = (int)Math.Min(byteLength - done, ChunkBytes);
            stream.Write(new ReadOnlySpan<byte>(data + done, chunk));
            done += chunk;
        }
    }

    private static byte[] Utf8(string text, string parameter)
    {
        try
        {
            return SafetensorsHeader.StrictUtf8.GetBytes(text);
        }
        catch (System.Text.EncoderFallbackException e)
        {
            throw new ArgumentException($"'{text}' is not valid UTF-16 (lone surrogate) and cannot be written as UTF-8", parameter, e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception matters more.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
