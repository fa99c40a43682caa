namespace Twa.Torch.Serialization;

/// <summary>One tensor as described by a safetensors header: its name, dtype, shape and the byte range
/// [<see cref="DataBegin"/>, <see cref="DataEnd"/>) relative to the start of the data buffer. Immutable and
/// thread-safe.</summary>
public sealed class SafetensorsEntry
{
    internal SafetensorsEntry(string name, string dtypeName, DType? dtype, int elementSize, long[] shape, long numElements,
        long dataBegin, long dataEnd)
    {
        Name = name;
        DTypeName = dtypeName;
        DType = dtype;
        ElementSize = elementSize;
        Shape = shape;
        NumElements = numElements;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    public string Name { get; }

    /// <summary>The dtype as written in the file ("F32", "BF16", ...).</summary>
    public string DTypeName { get; }

    /// <summary>The matching <see cref="Torch.DType"/>, or null for a valid safetensors dtype this binding cannot
    /// represent (I8, I16, U16, U32, U64, F8_*): such tensors are listed but cannot be read as tensors.</summary>
    public DType? DType { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    /// <summary>Sizes of every dimension (empty for a 0-d scalar).</summary>
    public IReadOnlyList<long> Shape { get; }

    public long NumElements { get; }

    /// <summary>Start of the tensor's bytes, relative to the data buffer (after the header).</summary>
    public long DataBegin { get; }

    /// <summary>One past the end of the tensor's bytes, relative to the data buffer.</summary>
    public long DataEnd { get; }

    /// <summary>DataEnd - DataBegin = NumElements * ElementSize.</summary>
    public long ByteLength => DataEnd - DataBegin;

    public override string ToString() =>
        $"{Name}: {DTypeName}[{string.Join(", ", Shape)}] @ [{DataBegin}, {DataEnd})";
}
