using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>
/// The header of a chunked value (format 1, little-endian): magic "TWAM", u16 format version, u16 reserved,
/// u32 metadata count, u32 tensor count, then metadata (string key, string value)*, then per tensor: string name,
/// u8 dtype, u8 rank, i64 dims[rank], i64 byte length, u32 chunk bytes, u32 chunk count, u64 xxHash64[chunk count];
/// finally the xxHash64 of everything before it. Strings are u32 length + UTF-8. Immutable.
/// </summary>
internal sealed class ChunkedManifest
{
    public const uint Magic = 0x4D415754; // "TWAM"
    public const ushort FormatVersion = 1;

    public ChunkedManifest(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<TensorLayout> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyList<TensorLayout> Tensors { get; }

    public byte[] Encode()
    {
        var w = new ArrayBufferWriter<byte>(256);
        U32(w, Magic);
        U16(w, FormatVersion);
        U16(w, 0);
        U32(w, (uint)Metadata.Count);
        U32(w, (uint)Tensors.Count);
        foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Str(w, k);
            Str(w, v);
        }

        foreach (var t in Tensors)
        {
            Str(w, t.Name);
            w.Write([(byte)t.DType, checked((byte)t.Shape.Length)]);
            foreach (var d in t.Shape)
            {
                I64(w, d);
            }

            I64(w, t.ByteLength);
            U32(w, (uint)t.ChunkBytes);
            U32(w, (uint)t.ChunkCount);
            foreach (var h in t.ChunkHashes)
            {
                U64(w, h);
            }
        }

        U64(w, XxHash64.HashToUInt64(w.WrittenSpan));
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Parses and validates a header read from <paramref name="location"/>; every problem is a
    /// <see cref="StoreCorruptException"/> naming the location.</summary>
    public static ChunkedManifest Decode(string location, ReadOnlySpan<byte> data)
    {
        if (data.Length < 24)
        {
            throw Corrupt(location, $"the header is {data.Length} bytes, shorter than the minimum 24: truncated");
        }

        var body = data[..^8];
        if (XxHash64.HashToUInt64(body) != BinaryPrimitives.ReadUInt64LittleEndian(data[^8..]))
        {
            var magicOk = BinaryPrimitives.ReadUInt32LittleEndian(data) == Magic;
            throw Corrupt(location, magicOk
                ? "the header fails its xxHash64 check: corrupt or truncated; delete the value and re-save it"
                : "not a TWA chunked value (bad magic)");
        }

        var r = new Reader(location, body);
        if (r.U32() != Magic)
        {
            throw Corrupt(location, "not a TWA chunked value (bad magic)");
        }

        var version = r.U16();
        if (version != FormatVersion)
        {
            throw Corrupt(location, $"format version {version} is not supported (this build reads version {FormatVersion}); use a matching twa build");
        }

        r.U16();
        var metaCount = r.U32();
        var tensorCount = r.U32();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0u; i < metaCount; i++)
        {
            metadata[r.Str()] = r.Str();
        }

        var tensors = new List<TensorLayout>();
        for (var i = 0u; i < tensorCount; i++)
        {
            var name = r.Str();
            var dtype = (DType)r.U8();
            if (!Enum.IsDefined(dtype))
            {
                throw Corrupt(location, $"tensor '{name}' has unknown dtype code {(int)dtype}");
            }

            var rank = r.U8();
            var shape = new long[rank];
            for (var d = 0; d < rank; d++)
            {
                shape[d] = r.I64();
            }

            var byteLength = r.I64();
            var chunkBytes = (int)r.U32();
            var chunkCount = (int)r.U32();
            var numel = shape.Aggregate(1L, (a, b) => a * b);
            if (shape.Any(s => s < 0) || byteLength != numel * dtype.ElementSize() || chunkBytes <= 0
                || chunkCount != TensorLayout.CountChunks(byteLength, chunkBytes))
            {
                throw Corrupt(location, string.Create(CultureInfo.InvariantCulture,
                    $"tensor '{name}' has an inconsistent layout (shape [{string.Join(", ", shape)}], {byteLength} bytes, chunks {chunkCount} x {chunkBytes})"));
            }

            var hashes = new ulong[chunkCount];
            for (var c = 0; c < chunkCount; c++)
            {
                hashes[c] = r.U64();
            }

            tensors.Add(new TensorLayout(name, dtype, shape, byteLength, chunkBytes, hashes));
        }

        if (!r.AtEnd)
        {
            throw Corrupt(location, "the header has trailing bytes");
        }

        return new ChunkedManifest(metadata, tensors);
    }

    private static StoreCorruptException Corrupt(string location, string problem) => new(location, problem, null);

    private static void U16(ArrayBufferWriter<byte> w, ushort v)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), v);
        w.Advance(2);
    }

    private static void U32(ArrayBufferWriter<byte> w, uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), v);
        w.Advance(4);
    }

    private static void U64(ArrayBufferWriter<byte> w, ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    private static void I64(ArrayBufferWriter<byte> w, long v) => U64(w, unchecked((ulong)v));

    private static void Str(ArrayBufferWriter<byte> w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        U32(w, (uint)bytes.Length);
        w.Write(bytes);
    }

    private ref struct Reader(string location, ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos == _data.Length;

        public byte U8() => Take(1)[0];

        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public long I64() => unchecked((long)U64());

        public string Str()
        {
            var n = U32();
            return Encoding.UTF8.GetString(Take(checked((int)n)));
        }

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || n > _data.Length - _pos)
            {
                throw Corrupt(location, $"the header ends early (needs {n} more bytes at offset {_pos})");
            }

            var s = _data.Slice(_pos, n);
            _pos += n;
            return s;
        }
    }
}
