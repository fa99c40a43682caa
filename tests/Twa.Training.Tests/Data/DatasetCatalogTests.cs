using System.Buffers.Binary;
using System.IO.Compression;
using Twa.Training.Data;
using Twa.Jobs;

namespace Twa.Training.Tests.Data;

public sealed class DatasetCatalogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("twa-data-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static byte[] Idx(byte[] payload, params int[] shape)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (var i = 0; i < shape.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), (uint)shape[i]);
        }

        return [.. header, .. payload];
    }

    private void WriteTinyIdx(bool gzip, int trainCount = 20)
    {
        void Write(string name, byte[] bytes)
        {
            var path = Path.Combine(_dir.FullName, name + (gzip ? ".gz" : ""));
            if (!gzip)
            {
                File.WriteAllBytes(path, bytes);
                return;
            }

            using var f = File.Create(path);
            using var gz = new GZipStream(f, CompressionLevel.Fastest);
            gz.Write(bytes);
        }

        foreach (var (prefix, n) in new[] { ("train", trainCount), ("t10k", 5) })
        {
            var pixels = Enumerable.Range(0, n * 4 * 4).Select(i => (byte)(i % 251)).ToArray();
            Write($"{prefix}-images-idx3-ubyte", Idx(pixels, n, 4, 4));
            Write($"{prefix}-labels-idx1-ubyte", Idx(Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray(), n));
        }
    }

    [Fact]
    public void Load_FashionMnistAtDebianPath_Has60000TrainAnd10000TestBalanced()
    {
        var splits = DatasetCatalog.Load(new DataSpec(), numClasses: 10, seed: 1);

        Assert.Equal(60_000, splits.Train.Count);
        Assert.Equal(10_000, splits.Test.Count);
        Assert.Equal((1, 28, 28), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));
        Assert.All(splits.Test.Labels.GroupBy(l => l), g => Assert.Equal(1_000, g.Count()));
        Assert.Equal(0.2860, splits.Mean[0], 3); // Fashion-MNIST's well-known training statistics
        Assert.Equal(0.3530, splits.Std[0], 3);
    }

    [Fact]
    public void Load_Holdout5000_IsDisjointAndSeeded()
    {
        var spec = new DataSpec { HoldoutFraction = 5_000 / 60_000.0 };
        var a = DatasetCatalog.Load(spec, 10, seed: 1);
        var b = DatasetCatalog.Load(spec, 10, seed: 1);
        var c = DatasetCatalog.Load(spec, 10, seed: 2);

        Assert.Equal(5_000, a.Holdout.Count);
        Assert.Equal(55_000, a.Train.Count);
        Assert.Equal(a.Holdout.Labels, b.Holdout.Labels);
        Assert.Equal(a.Holdout.Pixels, b.Holdout.Pixels);
        Assert.NotEqual(a.Holdout.Pixels, c.Holdout.Pixels);
    }

    [Theory]
    [InlineData(0.01, "spec.training.data.holdoutFraction = 0.01 holds out 0 of the 20 training images; use at least 0.05 (1 image), or 0 for no held-out split")]
    [InlineData(0.0001, "spec.training.data.holdoutFraction = 0.0001 holds out 0 of the 20 training images; use at least 0.05 (1 image), or 0 for no held-out split")]
    [InlineData(0.99, "spec.training.data.holdoutFraction = 0.99 holds out 20 of the 20 training images and leaves none to train on; use at most 0.95 (19 images)")]
    public void Load_HoldoutFractionLeavingASideEmpty_ThrowsNamingTheFieldTheCountAndTheFix(double fraction, string expected)
    {
        WriteTinyIdx(gzip: false);

        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Load(new DataSpec { Path = _dir.FullName, HoldoutFraction = fraction }, 10, seed: 1));

        Assert.Equal($"{_dir.FullName}: {expected}", e.Message);
    }

    [Theory]
    [InlineData(0.05, 1)]
    [InlineData(0.95, 19)]
    [InlineData(0.0, 0)]
    public void Load_HoldoutFractionsTheErrorSuggests_HoldOutAtLeastOneAndTrainOnAtLeastOne(double fraction, int heldOut)
    {
        WriteTinyIdx(gzip: false);

        var splits = DatasetCatalog.Load(new DataSpec { Path = _dir.FullName, HoldoutFraction = fraction }, 10, seed: 1);

        Assert.Equal(heldOut, splits.Holdout.Count);
        Assert.Equal(20 - heldOut, splits.Train.Count);
    }

    [Theory]
    [InlineData(0x8000_0000u, 0)]
    [InlineData(0xFFFF_FFFFu, 2)]
    public void IdxFileRead_DimensionOf2Pow31OrMore_ThrowsDatasetExceptionNamingThePathAndTheDimension(uint size, int dimension)
    {
        var shape = new uint[] { 3, 3, 3 };
        shape[dimension] = size;
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (var i = 0; i < shape.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), shape[i]);
        }

        var path = Path.Combine(_dir.FullName, "train-images-idx3-ubyte");
        File.WriteAllBytes(path, [.. header, .. new byte[27]]);

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.StartsWith($"{path}: IDX dimension {dimension} is {size}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdxFileRead_SizesWhoseProductOverflows_ThrowsDatasetExceptionNamingThePath()
    {
        // Four sizes just below 2^31: their product overflows a long and must not wrap to the payload's length.
        var header = new byte[4 + 4 * 4];
        header[2] = 0x08;
        header[3] = 4;
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), 0x4000_0000u);
        }

        var path = Path.Combine(_dir.FullName, "train-images-idx3-ubyte");
        File.WriteAllBytes(path, header);

        var e = Assert.Throws<DatasetException>(() => IdxFile.Read(path));

        Assert.Contains($"{path}: IDX header announces 1329227995784915872903807060280344576 values", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadIdx_GzipAndPlain_AreIdentical()
    {
        WriteTinyIdx(gzip: false);
        var plain = DatasetCatalog.LoadIdx(_dir.FullName, "train", 10);
        foreach (var f in _dir.GetFiles())
        {
            f.Delete();
        }

        WriteTinyIdx(gzip: true);
        var gz = DatasetCatalog.LoadIdx(_dir.FullName, "train", 10);

        Assert.Equal(plain.Pixels, gz.Pixels);
        Assert.Equal(plain.Labels, gz.Labels);
        Assert.Equal(20, gz.Count);
    }

    [Fact]
    public void LoadIdx_TruncatedImages_NamesFileAndCounts()
    {
        WriteTinyIdx(gzip: false);
        var path = Path.Combine(_dir.FullName, "train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^7]);

        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.LoadIdx(_dir.FullName, "train", 10));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("announces 320 values", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingDirectory_NamesPathFieldAndFix()
    {
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Load(new DataSpec { Path = "/nope/fmnist" }, 10, 1));
        Assert.StartsWith("/nope/fmnist: dataset directory not found (spec.training.data.path)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadIdx_MissingLabels_ListsTheExpectedFiles()
    {
        WriteTinyIdx(gzip: false);
        File.Delete(Path.Combine(_dir.FullName, "train-labels-idx1-ubyte"));
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.LoadIdx(_dir.FullName, "train", 10));
        Assert.Contains("train-labels-idx1-ubyte[.gz]: file not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadIdx_NotIdx_SaysWhatWasExpected()
    {
        WriteTinyIdx(gzip: false);
        File.WriteAllText(Path.Combine(_dir.FullName, "train-images-idx3-ubyte"), "<html>not found</html>");
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.LoadIdx(_dir.FullName, "train", 10));
        Assert.Contains("not an IDX file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadCifar_Cifar10AndCifar100Records_ReadLabelsAndPixels()
    {
        byte[] Records(int n, int labelBytes) => Enumerable.Range(0, n).SelectMany(i =>
            Enumerable.Repeat((byte)(i % 3), labelBytes).Concat(Enumerable.Repeat((byte)(i + 7), 3072))).ToArray();
        for (var i = 1; i <= 5; i++)
        {
            File.WriteAllBytes(Path.Combine(_dir.FullName, $"data_batch_{i}.bin"), Records(2, 1));
        }

        File.WriteAllBytes(Path.Combine(_dir.FullName, "test_batch.bin"), Records(3, 1));
        var (train, test) = DatasetCatalog.LoadCifar(_dir.FullName, 10);
        Assert.Equal(10, train.Count);
        Assert.Equal(new long[] { 0, 1, 2 }, test.Labels);
        Assert.Equal(8, test.Pixels[3072]); // second image, first pixel

        var c100 = Directory.CreateTempSubdirectory("twa-c100-");
        File.WriteAllBytes(Path.Combine(c100.FullName, "train.bin"), Records(4, 2));
        File.WriteAllBytes(Path.Combine(c100.FullName, "test.bin"), Records(2, 2)[..^5]);
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.LoadCifar(c100.FullName, 100));
        Assert.Contains("test.bin", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a whole number of 3074-byte CIFAR records", e.Message, StringComparison.Ordinal);
        c100.Delete(recursive: true);
    }
}
