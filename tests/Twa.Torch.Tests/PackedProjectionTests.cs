namespace Twa.Torch.Tests;

/// <summary><see cref="PackedProjection"/> on hand-packed bases: pins the bit layout (LSB-first stream, column j at
/// bits [j·bits, (j+1)·bits) of its row; whole tiles of <see cref="PackedProjection.TileColumns"/> columns stored
/// tile-major before the rest of every row) independently of the trainer's packing, and the argument checks.</summary>
public sealed class PackedProjectionTests
{
    /// <summary>Packs codes [rows][columns] LSB-first at <paramref name="bits"/> bits, rows padded to whole bytes.</summary>
    private static byte[] Pack(int[][] codes, int bits, out long rowBytes)
    {
        var columns = codes[0].Length;
        rowBytes = (columns * bits + 7) / 8;
        var packed = new byte[codes.Length * rowBytes];
        for (var i = 0; i < codes.Length; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                var bit = j * bits;
                var value = codes[i][j] << (bit % 8);
                packed[i * rowBytes + bit / 8] |= (byte)value;
                if (bit % 8 + bits > 8)
                {
                    packed[i * rowBytes + bit / 8 + 1] |= (byte)(value >> 8);
                }
            }
        }

        return packed;
    }

    /// <summary>Row-major packed rows in the tiled byte order: the whole tiles' bytes tile by tile (row 0's, row 1's,
    /// ...), then the rest of every row.</summary>
    private static byte[] Tile(byte[] rowMajor, int rows, long rowBytes, int columns, int bits)
    {
        var tiles = columns / PackedProjection.TileColumns;
        var tileBytes = PackedProjection.TileColumns * bits / 8;
        var tiled = new List<byte>(rowMajor.Length);
        for (var t = 0; t < tiles; t++)
        {
            for (var i = 0; i < rows; i++)
            {
                tiled.AddRange(rowMajor.AsSpan((int)(i * rowBytes + t * tileBytes), (int)tileBytes));
            }
        }

        for (var i = 0; i < rows; i++)
        {
            tiled.AddRange(rowMajor.AsSpan((int)(i * rowBytes + tiles * tileBytes), (int)(rowBytes - tiles * tileBytes)));
        }

        return [.. tiled];
    }

    [Theory]
    [InlineData(3, 37)] // a vector group of 8 plus unaligned heads and tails, in one partial tile (row-major)
    [InlineData(5, 37)]
    [InlineData(4, 37)]
    [InlineData(1, 37)]
    [InlineData(4, 2 * 2048 + 37)] // two whole tiles and a partial one
    [InlineData(3, 2 * 2048 + 37)]
    [InlineData(8, 2048)]           // exactly one whole tile, nothing after it
    public void GradientAndReconstruct_HandPackedCodes_MatchTheDefinition(int bits, int columns)
    {
        using var scope = new TensorScope();
        var levels = (1 << bits) - 1;
        int[][] codes = [Enumerable.Range(0, columns).Select(j => j * 7 % (levels + 1)).ToArray(),
                         Enumerable.Range(0, columns).Select(j => levels - j % (levels + 1)).ToArray()];
        var packed = Tile(Pack(codes, bits, out var rowBytes), 2, rowBytes, columns, bits);
        var basis = Tensors.FromArray<byte>(packed, [2, rowBytes]);
        // Blocks: columns 0..9 -> block 1, 10..36 -> block 0.
        float[] scale = [0.5f, 0.25f, 2f, -1f];
        float[] low = [-1f, 3f, 1f, 0.5f];
        var blockOf = (int j) => j < 10 ? 1 : 0;
        var g = Enumerable.Range(0, columns).Select(j => (float)Math.Sin(j + 1)).ToArray();
        var center = Enumerable.Range(0, columns).Select(j => (float)(j % 5)).ToArray();
        float[] x = [0.3f, -0.7f, 1.1f, 0.2f];
        float P(int i, int j) => codes[i][j] * scale[i * 2 + blockOf(j)] + low[i * 2 + blockOf(j)];

        var gradX = Tensors.Full([2, 2], 99.0);
        var w = Tensors.Zeros([columns]);
        var segments = Tensors.FromArray<long>([1, 0, 10, 0, 10, columns - 10], [2, 3]);
        var scaleT = Tensors.FromArray<float>(scale, [2, 2]);
        var lowT = Tensors.FromArray<float>(low, [2, 2]);
        PackedProjection.Gradient(basis, bits, columns, scaleT, lowT, segments, Tensors.FromArray<float>(g), gradX);
        PackedProjection.Reconstruct(basis, bits, columns, scaleT, lowT, segments, Tensors.FromArray<float>(center), Tensors.FromArray<float>(x, [2, 2]), w);

        var grad = gradX.ToArray<float>();
        for (var i = 0; i < 2; i++)
        {
            for (var b = 0; b < 2; b++)
            {
                var terms = Enumerable.Range(0, columns).Where(j => blockOf(j) == b).Select(j => (double)P(i, j) * g[j]).ToArray();
                // f32 partial sums within a tile: the error scales with the sum of |terms| (the sum itself cancels).
                Assert.Equal(terms.Sum(), grad[i * 2 + b], 1e-6 * (1 + terms.Sum(Math.Abs)));
            }
        }

        var weights = w.ToArray<float>();
        for (var j = 0; j < columns; j++)
        {
            var expected = center[j] + Enumerable.Range(0, 2).Sum(i => (double)P(i, j) * x[i * 2 + blockOf(j)]);
            Assert.Equal(expected, weights[j], 1e-6 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void Gradient_HalfBasis_IgnoresScaleAndLow()
    {
        using var scope = new TensorScope();
        var p = Tensors.FromArray<float>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [1, 11]);
        var gradX = Tensors.Zeros([1, 1]);
        PackedProjection.Gradient(p.To(DType.Float16), 16, 11, null, null, Tensors.FromArray<long>([0, 0, 11], [1, 3]), Tensors.Ones([11]), gradX);
        Assert.Equal(66f, gradX.Item());
    }

    [Fact]
    public void Gradient_BadArguments_ThrowArgumentExceptionsNamingTheProblem()
    {
        using var scope = new TensorScope();
        var basis = Tensors.Zeros([2, 4], DType.UInt8);
        var scale = Tensors.Ones([2, 1]);
        var g = Tensors.Ones([8]);
        var gradX = Tensors.Zeros([2, 1]);
        var whole = Tensors.FromArray<long>([0, 0, 8], [1, 3]);

        var bits = Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 9, 8, scale, scale, whole, g, gradX));
        Assert.Contains("bits must be 1..8 (packed), 16 or 32, got 9", bits.Message, StringComparison.Ordinal);
        var narrow = Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 5, 8, scale, scale, whole, g, gradX));
        Assert.Contains("8 columns at 5 bits need 5", narrow.Message, StringComparison.Ordinal);
        var overlap = Tensors.FromArray<long>([0, 0, 5, 0, 4, 4], [2, 3]);
        var order = Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 4, 8, scale, scale, overlap, g, gradX));
        Assert.Contains("segment 1 (block 0, start 4, length 4)", order.Message, StringComparison.Ordinal);
        var block = Tensors.FromArray<long>([1, 0, 8], [1, 3]);
        Assert.Contains("block outside [0, 1)", Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 4, 8, scale, scale, block, g, gradX)).Message,
            StringComparison.Ordinal);
        Assert.Contains("needs scale and low", Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 4, 8, null, null, whole, g, gradX)).Message,
            StringComparison.Ordinal);
        Assert.Contains("g has shape [7]", Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 4, 8, scale, scale, whole, Tensors.Ones([7]), gradX)).Message,
            StringComparison.Ordinal);
        Assert.Contains("grad_x must be float32", Assert.Throws<ArgumentException>(() => PackedProjection.Gradient(basis, 4, 8, scale, scale, whole, g, Tensors.Zeros([2, 1], DType.Float64))).Message,
            StringComparison.Ordinal);
    }
}
