using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Twa.Torch.Serialization;

/// <summary>
/// An open safetensors file whose header has been read and validated (see <see cref="SafetensorsFile.Open"/>).
/// Tensor data is read on demand with positioned reads, straight into the destination tensor's memory: reading
/// one tensor, or an element or byte range of one tensor, touches only those bytes of the file, never the
/// whole file.
/// Thread-safety: the read methods may be called concurrently (positioned reads share no file cursor);
/// <see cref="Dispose"/> must not race them. The reader keeps the file it opened: replacing the path with
/// <see cref="SafetensorsFile.Write(string, IReadOnlyList{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>
/// (an atomic rename) does not affect an open reader.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    private const int ChunkBytes = 1 << 30;

    private readonly SafeFileHandle _file;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsReader(string path, SafeFileHandle file, long dataStart, SafetensorsHeader header)
    {
        FilePath = path;
        _file = file;
        _dataStart = dataStart;
        Entries = header.Entries;
        Metadata = header.Metadata;
        _byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was opened with.</summary>
    public string FilePath { get; }

    /// <summary>The tensors described by the header, in data-offset order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>The "__metadata__" strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Byte offset of the data buffer in the file (8 + header length).</summary>
    public long DataStart => _dataStart;

    /// <summary>Opens <paramref name="path"/>, reads and validates its header. Throws
    /// <see cref="SafetensorsFormatException"/> when the file is malformed and the usual I/O exceptions when it
    /// cannot be opened. The caller owns the reader.</summary>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            var length = RandomAccess.GetLength(file);
            if (length < 8)
            {
                throw new SafetensorsFormatException(path, $"the file is {length} byte(s) long, shorter than the 8-byte header length", null);
            }

            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(path, file, prefix, 0);
            var n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (n > (ulong)(length - 8))
            {
                throw new SafetensorsFormatException(path,
                    $"the header length {n} runs past the end of the file ({length} bytes): truncated, or not a safetensors file", null);
            }

            if (n > SafetensorsHeader.MaxLength)
            {
                throw new SafetensorsFormatException(path, $"the header length {n} exceeds the limit of {SafetensorsHeader.MaxLength} bytes", null);
            }

            var json = new byte[n];
            ReadExactly(path, file, json, 8);
            var header = SafetensorsHeader.Parse(path, json, length - 8 - (long)n);
            return new SafetensorsReader(path, file, 8 + (long)n, header);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> naming the
    /// file when there is none.</summary>
    public SafetensorsEntry GetEntry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out var e)
            ? e
            : throw new KeyNotFoundException($"{FilePath}: no tensor named '{name}' (the file holds {_byName.Count})");
    }

    /// <summary>Reads tensor <paramref name="name"/> into a new tensor of its dtype and shape on
    /// <paramref name="device"/> (CPU when null). The result is owned by the caller (or the current
    /// <see cref="TensorScope"/>).</summary>
    public Tensor ReadTensor(string name, Device? device = null)
    {
        var entry = GetEntry(name);
        return ReadNew(entry, entry.Shape.ToArray(), 0, entry.NumElements, device);
    }

    /// <summary>Reads elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of
    /// tensor <paramref name="name"/> (flattened, row-major) into a new 1-D tensor on <paramref name="device"/>,
    /// touching only those bytes of the file. Owned by the caller (or the current scope).</summary>
    public Tensor ReadElements(string name, long start, long count, Device? device = null)
    {
        var entry = GetEntry(name);
        CheckRange(entry, start, count);
        return ReadNew(entry, [count], start, count, device);
    }

    /// <summary>Reads <paramref name="destination"/>.NumElements elements of tensor <paramref name="name"/>, from
    /// flattened element <paramref name="start"/> on, straight into <paramref name="destination"/>, which must be a
    /// contiguous CPU tensor of the entry's dtype (e.g. a row of a preallocated basis matrix). Nothing is
    /// allocated.</summary>
    public unsafe void ReadElementsInto(string name, long start, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var entry = GetEntry(name);
        var dtype = RequireDType(entry);
        if (destination.DType != dtype || destination.Device.Type != DeviceType.Cpu || !destination.IsContiguous)
        {
            throw new ArgumentException(
                $"destination must be a contiguous CPU tensor of dtype {dtype}, not {destination}", nameof(destination));
        }

        var count = destination.NumElements;
        CheckRange(entry, start, count);
        if (count > 0)
        {
            Fill((byte*)destination.DataPointer, entry.DataBegin + start * entry.ElementSize, count * entry.ElementSize);
        }
    }

    /// <summary>Reads <paramref name="destination"/>.Length raw bytes (little-endian element bytes) of tensor
    /// <paramref name="name"/>, starting <paramref name="byteOffset"/> bytes into the tensor's data.</summary>
    public unsafe void ReadBytes(string name, long byteOffset, Span<byte> destination)
    {
        var entry = GetEntry(name);
        if (byteOffset < 0 || byteOffset > entry.ByteLength || destination.Length > entry.ByteLength - byteOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(byteOffset),
                $"bytes [{byteOffset}, {byteOffset + destination.Length}) are outside tensor '{name}' ({entry.ByteLength} bytes)");
        }

        fixed (byte* p = destination)
        {
            Fill(p, entry.DataBegin + byteOffset, destination.Length);
        }
    }

    public void Dispose() => _file.Dispose();

    private unsafe Tensor ReadNew(SafetensorsEntry entry, long[] shape, long start, long count, Device? device)
    {
        var dtype = RequireDType(entry);
        var host = Tensors.Empty(shape, dtype);
        try
        {
            if (count > 0)
            {
                Fill((byte*)host.DataPointer, entry.DataBegin + start * entry.ElementSize, count * entry.ElementSize);
            }

            if (device is not { } d || d.Type == DeviceType.Cpu)
            {
                return host;
            }

            var moved = host.To(dtype, d);
            host.Dispose();
            return moved;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Reads <paramref name="length"/> bytes at data-buffer offset <paramref name="dataOffset"/> into
    /// <paramref name="destination"/>.</summary>
    private unsafe void Fill(byte* destination, long dataOffset, long length)
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        for (long done = 0; done < length;)
        {
            var chunk = (int)Math.Min(length - done, ChunkBytes);
            ReadExactly(FilePath, _file, new Span<byte>(destination + done, chunk), _dataStart + dataOffset + done);
            done += chunk;
        }
    }

    private static void ReadExactly(string path, SafeFileHandle file, Span<byte> buffer, long fileOffset)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(file, buffer, fileOffset);
            if (n == 0)
            {
                throw new SafetensorsFormatException(path, $"unexpected end of file at byte {fileOffset} (the file shrank while open?)", null);
            }

            buffer = buffer[n..];
            fileOffset += n;
        }
    }

    private DType RequireDType(SafetensorsEntry entry) =>
        entry.DType ?? throw new NotSupportedException(
            $"{FilePath}: tensor '{entry.Name}' has dtype {entry.DTypeName}, which this binding cannot represent " +
            $"(supported: {SafetensorsDTypes.SupportedNames})");

    private static void CheckRange(SafetensorsEntry entry, long start, long count)
    {
        if (start < 0 || count < 0 || start > entry.NumElements || count > entry.NumElements - start)
        {
            throw new ArgumentOutOfRangeException(nameof(start),
                $"elements [{start}, {start + count}) are outside tensor '{entry.Name}' ({entry.NumElements} elements)");
        }
    }
}
