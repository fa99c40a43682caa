using Twa.Torch;
using Twa.Training.Stores;

namespace Twa.Training.Tests.Storage;

/// <summary>The behaviour every <see cref="ISnapshotStore"/> must have; run against each implementation by a
/// derived class that creates stores and damages stored values.</summary>
public abstract class SnapshotStoreContractTests
{
    /// <summary>16 f32 values per chunk, so the 103-element vectors below span 7 chunks, the last one short.</summary>
    protected const int ChunkBytes = 64;
    protected const int D = 103;

    /// <summary>A new, empty store with <see cref="ChunkBytes"/>-byte chunks, owned by the test class.</summary>
    protected abstract ISnapshotStore CreateStore();

    /// <summary>Flips a byte inside chunk <paramref name="chunk"/> of snapshot <paramref name="index"/>'s params.</summary>
    protected abstract void CorruptChunk(ISnapshotStore store, int index, int chunk);

    /// <summary>Cuts the stored params of snapshot <paramref name="index"/> short (its last chunk loses bytes).</summary>
    protected abstract void Truncate(ISnapshotStore store, int index);

    /// <summary>What an integrity error for snapshot <paramref name="index"/> must name (a file path or key).</summary>
    protected abstract string LocationOf(ISnapshotStore store, int index);

    protected static float[] Values(int seed) => Enumerable.Range(0, D).Select(i => seed * 1000f + i + 0.25f).ToArray();

    protected static void SaveVector(ISnapshotStore store, int index, float[] values, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var flat = Tensors.FromArray<float>(values);
        using var mean = Tensors.FromArray<float>([1f, 2f, 3f]);
        using var count = Tensors.FromArray<long>([index * 10L]);
        store.Save(index, flat, [("bn.running_mean", mean), ("bn.num_batches_tracked", count)],
            metadata ?? new Dictionary<string, string> { ["arch"] = "mlp", ["step"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    [Fact]
    public void ReadColumns_FullRange_ReturnsSavedValues()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(1));
        using var all = store.ReadColumns(0, 0, D);
        Assert.Equal(Values(1), all.ToArray<float>());
        Assert.Equal(D, store.ParameterCount(0));
    }

    [Theory]
    [InlineData(0, 16)]
    [InlineData(16, 16)]
    [InlineData(15, 2)]
    [InlineData(17, 1)]
    [InlineData(37, 41)]
    [InlineData(96, 7)]
    [InlineData(102, 1)]
    [InlineData(50, 0)]
    [InlineData(1, 101)]
    public void ReadColumns_RangeAtChunkBoundaryOrOddOffset_ReturnsThatSlice(int start, int count)
    {
        var store = CreateStore();
        SaveVector(store, 3, Values(3));
        using var part = store.ReadColumns(3, start, count);
        Assert.Equal([count], part.Shape);
        Assert.Equal(Values(3).Skip(start).Take(count).ToArray(), part.ToArray<float>());
    }

    [Fact]
    public void ReadColumnsInto_MatrixRow_FillsOnlyThatRow()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        SaveVector(store, 1, Values(1));
        using var matrix = Tensors.Zeros([2, 30]);
        for (var r = 0; r < 2; r++)
        {
            using var row = matrix.Select(0, r);
            store.ReadColumnsInto(r, 33, row);
        }

        var m = matrix.ToArray<float>();
        Assert.Equal(Values(0).Skip(33).Take(30).ToArray(), m.Take(30).ToArray());
        Assert.Equal(Values(1).Skip(33).Take(30).ToArray(), m.Skip(30).ToArray());
    }

    [Fact]
    public void ReadColumnsInto_ColumnOfAMatrix_FillsOnlyThatColumn()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(2));
        using var matrix = Tensors.Zeros([20, 3]);
        using (var column = matrix.Select(1, 1))
        {
            Assert.False(column.IsContiguous);
            store.ReadColumnsInto(0, 40, column);
        }

        var m = matrix.ToArray<float>();
        Assert.Equal(Values(2).Skip(40).Take(20).ToArray(), Enumerable.Range(0, 20).Select(i => m[(i * 3) + 1]).ToArray());
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(0f, m[i * 3] + m[(i * 3) + 2]));
    }

    [Fact]
    public void Save_RowViewAndStridedColumnOfAMatrix_StoreThoseElements()
    {
        var store = CreateStore();
        using var matrix = Tensors.FromArray<float>([.. Values(4), .. Values(5)], [2, D]);
        using (var row = matrix.Select(0, 1))
        {
            store.Save(0, row, [], new Dictionary<string, string>());
        }

        using var transposed = matrix.T();
        using var tall = transposed.Contiguous();
        using (var column = tall.Select(1, 0))
        {
            Assert.False(column.IsContiguous);
            store.Save(1, column, [], new Dictionary<string, string>());
        }

        using var first = store.ReadColumns(0, 0, D);
        using var second = store.ReadColumns(1, 0, D);
        Assert.Equal(Values(5), first.ToArray<float>());
        Assert.Equal(Values(4), second.ToArray<float>());
    }

    [Fact]
    public void ReadBuffers_AfterSave_ReturnsNamesDTypesAndValues()
    {
        var store = CreateStore();
        SaveVector(store, 4, Values(4));
        var buffers = store.ReadBuffers(4);
        try
        {
            var byName = buffers.ToDictionary(b => b.Name, b => b.Tensor);
            Assert.Equal(2, byName.Count);
            Assert.Equal([1f, 2f, 3f], byName["bn.running_mean"].ToArray<float>());
            Assert.Equal(DType.Int64, byName["bn.num_batches_tracked"].DType);
            Assert.Equal([40L], byName["bn.num_batches_tracked"].ToArray<long>());
        }
        finally
        {
            foreach (var (_, t) in buffers)
            {
                t.Dispose();
            }
        }
    }

    [Fact]
    public void ReadMetadata_AfterSave_ReturnsTheSavedStringsOnly()
    {
        var store = CreateStore();
        SaveVector(store, 2, Values(2), new Dictionary<string, string> { ["arch"] = "lenet5", ["note"] = "ünïcode \"quoted\"" });
        var meta = store.ReadMetadata(2);
        Assert.Equal(2, meta.Count);
        Assert.Equal("lenet5", meta["arch"]);
        Assert.Equal("ünïcode \"quoted\"", meta["note"]);
    }

    [Fact]
    public void Save_ReservedMetadataKey_ThrowsNamingTheKey()
    {
        var store = CreateStore();
        var e = Assert.Throws<ArgumentException>(() => SaveVector(store, 0, Values(0), new Dictionary<string, string> { ["twa.x"] = "1" }));
        Assert.Contains("twa.x", e.Message, StringComparison.Ordinal);
        Assert.Empty(store.Indices());
    }

    [Fact]
    public void Indices_AfterSavesInAnyOrder_AreAscending()
    {
        var store = CreateStore();
        Assert.Empty(store.Indices());
        foreach (var i in new[] { 5, 0, 12, 3 })
        {
            SaveVector(store, i, Values(i));
        }

        Assert.Equal([0, 3, 5, 12], store.Indices());
    }

    [Fact]
    public void Save_ExistingIndex_ReplacesWholeValue()
    {
        var store = CreateStore();
        SaveVector(store, 7, Values(1));
        SaveVector(store, 7, Values(2));
        Assert.Equal([7], store.Indices());
        using var all = store.ReadColumns(7, 0, D);
        Assert.Equal(Values(2), all.ToArray<float>());
    }

    [Fact(Timeout = 60_000)]
    public async Task ReadColumns_DuringReplacements_NeverSeesAMix()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (var k = 1; k <= 30; k++)
            {
                SaveVector(store, 0, Enumerable.Repeat((float)k, D).ToArray());
            }

            stop.Cancel();
        });
        var reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested || reads == 0)
            {
                using var v = store.ReadColumns(0, 0, D);
                var a = v.ToArray<float>();
                if (a[0] >= 1)
                {
                    Assert.All(a, x => Assert.Equal(a[0], x));
                }

                reads++;
            }
        });
        await Task.WhenAll(writer, reader);
        Assert.True(reads > 0);
    }

    [Fact]
    public void ReadColumns_MissingSnapshot_ThrowsSnapshotNotFound()
    {
        var store = CreateStore();
        SaveVector(store, 1, Values(1));
        Assert.Throws<SnapshotNotFoundException>(() => store.ReadColumns(2, 0, 1));
        Assert.Throws<SnapshotNotFoundException>(() => store.ParameterCount(9));
    }

    [Fact]
    public void ReadColumns_RangeOutsideVector_ThrowsArgumentOutOfRange()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.ReadColumns(0, 100, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.ReadColumns(0, -1, 2));
    }

    [Fact]
    public void ReadColumns_CorruptChunk_ThrowsNamingLocationWhileOtherChunksStillRead()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        CorruptChunk(store, 0, 2);
        using (var untouched = store.ReadColumns(0, 0, 32))
        {
            Assert.Equal(Values(0).Take(32).ToArray(), untouched.ToArray<float>());
        }

        var e = Assert.Throws<StoreCorruptException>(() => store.ReadColumns(0, 40, 2).Dispose());
        Assert.Contains(LocationOf(store, 0), e.Message, StringComparison.Ordinal);
        Assert.Contains("chunk 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("xxHash64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadColumns_TruncatedValue_ThrowsNamingLocation()
    {
        var store = CreateStore();
        SaveVector(store, 0, Values(0));
        Truncate(store, 0);
        var e = Assert.Throws<StoreCorruptException>(() => store.ReadColumns(0, 0, D).Dispose());
        Assert.Contains(LocationOf(store, 0), e.Message, StringComparison.Ordinal);
    }
}
