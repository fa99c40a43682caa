using Twa.Torch.Serialization;
using Twa.Torch.Tests.TestSupport;

namespace Twa.Torch.Tests.Serialization;

public sealed class SafetensorsReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public SafetensorsReaderTests()
    {
        _path = _dir.File("snapshots.safetensors");
        using var scope = new TensorScope();
        SafetensorsFile.Write(_path,
        [
            ("snapshot.0", Tensors.Arange(0, 100, dtype: DType.Float32)),
            ("snapshot.1", Tensors.Arange(1000, 1100, dtype: DType.Float32)),
            ("steps", Tensors.Arange(0, 4, dtype: DType.Int64).View(2, 2)),
        ]);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_ValidFile_ListsEntriesInOffsetOrderWithoutReadingData()
    {
        using var reader = SafetensorsFile.Open(_path);

        Assert.Equal(["steps", "snapshot.0", "snapshot.1"], reader.Entries.Select(e => e.Name));
        var s1 = reader.GetEntry("snapshot.1");
        Assert.Equal(DType.Float32, s1.DType);
        Assert.Equal([100L], s1.Shape);
        Assert.Equal(400, s1.ByteLength);
        Assert.Equal(0, reader.DataStart % 8);
        Assert.True(reader.Contains("steps"));
        Assert.False(reader.Contains("nope"));
    }

    [Fact]
    public void ReadTensor_OneName_ReturnsOnlyThatTensor()
    {
        using var reader = SafetensorsFile.Open(_path);
        using var steps = reader.ReadTensor("steps");

        Assert.Equal([2L, 2L], steps.Shape);
        Assert.Equal([0L, 1L, 2L, 3L], steps.ToArray<long>());
    }

    [Fact]
    public void ReadElements_ColumnRange_ReturnsExactlyThoseElements()
    {
        using var reader = SafetensorsFile.Open(_path);
        using var part = reader.ReadElements("snapshot.1", 37, 5);

        Assert.Equal([5L], part.Shape);
        Assert.Equal([1037f, 1038f, 1039f, 1040f, 1041f], part.ToArray<float>());
    }

    [Fact]
    public void ReadElementsInto_RowsOfPreallocatedMatrix_FillsInPlace()
    {
        using var scope = new TensorScope();
        using var reader = SafetensorsFile.Open(_path);
        var basis = Tensors.Zeros([2, 10]);

        reader.ReadElementsInto("snapshot.0", 90, basis.Select(0, 0));
        reader.ReadElementsInto("snapshot.1", 90, basis.Select(0, 1));

        var expected = Enumerable.Range(90, 10).Concat(Enumerable.Range(1090, 10)).Select(i => (float)i).ToArray();
        Assert.Equal(expected, basis.ToArray<float>());
    }

    [Fact]
    public void ReadElementsInto_WrongDTypeOrNonContiguous_Throws()
    {
        using var scope = new TensorScope();
        using var reader = SafetensorsFile.Open(_path);

        Assert.Throws<ArgumentException>(() => reader.ReadElementsInto("snapshot.0", 0, Tensors.Zeros([4], DType.Float64)));
        Assert.Throws<ArgumentException>(() => reader.ReadElementsInto("snapshot.0", 0, Tensors.Zeros([4, 2]).T()));
    }

    [Fact]
    public void ReadBytes_Range_ReturnsRawLittleEndianBytes()
    {
        using var reader = SafetensorsFile.Open(_path);
        var bytes = new byte[8];

        reader.ReadBytes("snapshot.0", 4 * 10, bytes);

        Assert.Equal(SafetensorsBytes.Le(10f, 11f), bytes);
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 101)]
    [InlineData(100, 1)]
    [InlineData(99, -1)]
    public void ReadElements_OutsideTensor_ThrowsArgumentOutOfRange(long start, long count)
    {
        using var reader = SafetensorsFile.Open(_path);

        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadElements("snapshot.0", start, count).Dispose());
    }

    [Fact]
    public void ReadElements_EmptyRangeAtEnd_ReturnsEmptyTensor()
    {
        using var reader = SafetensorsFile.Open(_path);
        using var none = reader.ReadElements("snapshot.0", 100, 0);

        Assert.Equal(0, none.NumElements);
    }

    [Fact]
    public void ReadBytes_OutsideTensor_ThrowsArgumentOutOfRange()
    {
        using var reader = SafetensorsFile.Open(_path);

        Assert.Throws<ArgumentOutOfRangeException>(() => reader.ReadBytes("steps", 30, new byte[4]));
    }

    [Fact]
    public void GetEntry_UnknownName_ThrowsKeyNotFoundNamingFile()
    {
        using var reader = SafetensorsFile.Open(_path);

        var e = Assert.Throws<KeyNotFoundException>(() => reader.GetEntry("snapshot.2"));
        Assert.Contains(_path, e.Message, StringComparison.Ordinal);
        Assert.Contains("'snapshot.2'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadTensor_AfterDispose_ThrowsObjectDisposed()
    {
        var reader = SafetensorsFile.Open(_path);
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => reader.ReadTensor("steps"));
    }

    [Fact]
    public void ReadElements_ConcurrentReaders_AllSeeTheirRanges()
    {
        using var reader = SafetensorsFile.Open(_path);

        Parallel.For(0, 20, i =>
        {
            using var t = reader.ReadElements("snapshot.0", i * 5, 5);
            Assert.Equal(Enumerable.Range(i * 5, 5).Select(v => (float)v), t.ToArray<float>());
        });
    }
}
