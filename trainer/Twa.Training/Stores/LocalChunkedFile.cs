using System.Globalization;
using System.Text;
using Twa.Torch;
using Twa.Torch.Serialization;

namespace Twa.Training.Stores;

/// <summary>
/// A safetensors file whose metadata also carries per-chunk checksums: "twa.chunk_bytes" and, per tensor,
/// "twa.xxh64.NAME" = the xxHash64 of each chunk as 16 hex digits, concatenated. Files without them (e.g. written
/// by PyTorch, see `twa import`) are read unverified, as before. Reads verify the chunks they touch.
/// </summary>
internal static class LocalChunkedFile
{
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata, int chunkBytes)
    {
        var all = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
        {
            [StoreMetadata.ChunkBytesKey] = chunkBytes.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, tensor) in tensors)
        {
            var layout = TensorLayout.Describe(name, tensor.DType, tensor.Shape, TensorBytes.ToBytes(tensor), chunkBytes);
            var hex = new StringBuilder(layout.ChunkCount * 16);
            foreach (var h in layout.ChunkHashes)
            {
                hex.Append(h.ToString("x16", CultureInfo.InvariantCulture));
            }

            all[StoreMetadata.HashPrefix + name] = hex.ToString();
        }

        SafetensorsFile.Write(path, tensors, all);
    }

    /// <summary>Opens <paramref name="path"/>; a malformed or truncated file is a <see cref="StoreCorruptException"/>.</summary>
    public static SafetensorsReader Open(string path)
    {
        try
        {
            return SafetensorsFile.Open(path);
        }
        catch (SafetensorsFormatException e)
        {
            throw new StoreCorruptException(path, $"not a readable safetensors file ({e.Message}); delete it and re-save", e);
        }
    }

    /// <summary>The chunk layout of tensor <paramref name="name"/>, or null when the file has no checksums.</summary>
    public static TensorLayout? Layout(SafetensorsReader reader, string name)
    {
        var entry = reader.GetEntry(name);
        if (!reader.Metadata.TryGetValue(StoreMetadata.ChunkBytesKey, out var cb) || !reader.Metadata.TryGetValue(StoreMetadata.HashPrefix + name, out var hex))
        {
            return null;
        }

        if (!int.TryParse(cb, NumberStyles.None, CultureInfo.InvariantCulture, out var chunkBytes) || chunkBytes <= 0)
        {
            throw new StoreCorruptException(reader.FilePath, $"metadata '{StoreMetadata.ChunkBytesKey}' = '{cb}' is not a positive integer", null);
        }

        var count = TensorLayout.CountChunks(entry.ByteLength, chunkBytes);
        if (hex.Length != count * 16)
        {
            throw new StoreCorruptException(reader.FilePath,
                $"tensor '{name}' should have {count} chunk checksums but its metadata holds {hex.Length / 16.0:0.#}: the header is corrupt", null);
        }

        var hashes = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            if (!ulong.TryParse(hex.AsSpan(i * 16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out hashes[i]))
            {
                throw new StoreCorruptException(reader.FilePath, $"checksum {i} of tensor '{name}' is not hexadecimal: the header is corrupt", null);
            }
        }

        var dtype = entry.DType ?? throw new StoreCorruptException(reader.FilePath, $"tensor '{name}' has unsupported dtype {entry.DTypeName}", null);
        return new TensorLayout(name, dtype, entry.Shape.ToArray(), entry.ByteLength, chunkBytes, hashes);
    }

    /// <summary>Bytes [byteStart, byteStart + byteCount) of tensor <paramref name="name"/>; every chunk they touch is
    /// read whole and verified first. Returns the buffer and the offset of the requested bytes in it.</summary>
    public static (byte[] Buffer, int Offset) ReadRange(SafetensorsReader reader, string name, long byteStart, long byteCount)
    {
        var layout = Layout(reader, name);
        if (layout is null)
        {
            var plain = new byte[byteCount];
            reader.ReadBytes(name, byteStart, plain);
            return (plain, 0);
        }

        var (first, last) = layout.ChunksCovering(byteStart, byteCount);
        if (last < first)
        {
            return ([], 0);
        }

        var begin = layout.ChunkOffset(first);
        var end = layout.ChunkOffset(last) + layout.ChunkLength(last);
        var buffer = new byte[checked((int)(end - begin))];
        reader.ReadBytes(name, begin, buffer);
        for (var c = first; c <= last; c++)
        {
            layout.Verify(reader.FilePath, c, buffer.AsSpan((int)(layout.ChunkOffset(c) - begin), layout.ChunkLength(c)));
        }

        return (buffer, (int)(byteStart - begin));
    }

    /// <summary>Tensor <paramref name="name"/> in full, verified, as a new CPU tensor owned by the caller.</summary>
    public static Tensor ReadTensor(SafetensorsReader reader, string name)
    {
        var entry = reader.GetEntry(name);
        var (buffer, offset) = ReadRange(reader, name, 0, entry.ByteLength);
        var dtype = entry.DType ?? throw new StoreCorruptException(reader.FilePath, $"tensor '{name}' has unsupported dtype {entry.DTypeName}", null);
        return TensorBytes.ToTensor(buffer.AsSpan(offset, (int)entry.ByteLength), dtype, entry.Shape.ToArray());
    }
}
