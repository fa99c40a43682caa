using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;

namespace Twa.Training.Averaging;

/// <summary>
/// The journal TWA's basis P̂ (n×D): rows are centred snapshots normalised per (row, block), stored at
/// <see cref="Bits"/> bits per entry. For 1..8 bits the codes q ∈ [0, 2^bits − 1] are PACKED LSB-first into a bit
/// stream per row (column j at bits [j·bits, (j+1)·bits) of its row; for 1, 2, 4 and 8 bits that is 8/bits codes per
/// byte), so the basis really takes n·ceil(D·bits/8) bytes (stored in the tiled byte order of
/// <see cref="PackedProjection"/>: each tile of 2,048 columns is one sequential stream), plus a scale and an offset per (row, block):
/// P̂ = q·s + lo with lo/hi the block segment's min/max. Ranges are fixed per (snapshot, block), never per rank, so
/// re-sharding cannot change the model: a rank holds only its columns of the basis (codes of n × its column count),
/// and the ranges are min/max all-reduced over the ranks. 16 = half precision, 32 = f32 (no quantisation).
/// The per-step products (<see cref="CoefficientGradient(Tensor, Tensor)"/>, <see cref="Reconstruct(Tensor, Tensor, Tensor)"/>)
/// read the stored entries in place through <see cref="PackedProjection"/> on the CPU (no n×D temporary);
/// <see cref="Dequantize()"/> is the unfused reference. Other devices (CUDA) compute the products by tensor ops on
/// the dequantised basis one window of columns at a time (<see cref="WindowColumns"/>), so their temporaries do not
/// grow with D. Owns its tensors. Not thread-safe.
/// </summary>
public sealed class QuantizedBasis : IDisposable
{
    private readonly Tensor _stored;     // packed u8 [n, ceil(D·bits/8)] in tiled byte order, or f16/f32 [n, D]
    private readonly Tensor? _scale;     // f32 [n, L]
    private readonly Tensor? _low;       // f32 [n, L]
    private readonly BlockSegment[] _segments; // the blocks' intersections with this basis' columns, in column order
    private readonly Tensor _segmentTable;     // i64 [S, 3] (block, first column, length) of _segments

    private QuantizedBasis(int bits, long columns, Tensor stored, Tensor? scale, Tensor? low, BlockSegment[] segments)
    {
        (Bits, Columns, _stored, _scale, _low, _segments) = (bits, columns, stored, scale, low, segments);
        _segmentTable = SegmentTable(segments, new ColumnRange(0, columns));
    }

    public int Bits { get; }
    public long Rows => _stored.Size(0);
    public long Columns { get; }

    /// <summary>Bytes held for the basis entries (codes or values), without the per-block scalars. One pass of
    /// <see cref="CoefficientGradient(Tensor, Tensor)"/> or <see cref="Reconstruct(Tensor, Tensor, Tensor)"/> reads
    /// each of them once.</summary>
    public long EntryBytes => _stored.NumElements * _stored.DType.ElementSize();

    /// <summary>Bytes of the per-(row, block) scale and offset.</summary>
    public long ScalarBytes => (_scale?.NumElements ?? 0) * 8;

    /// <summary>Quantises <paramref name="normalized"/> (f32 [n, columns.Count]: this rank's columns, default all D)
    /// per (row, block), with <paramref name="blockIds"/> the block of each of those columns. <paramref name="bits"/>
    /// is 1..8 (packed), 16 or 32. Every rank of <paramref name="ranks"/> (default a single rank) must call it. The
    /// quantisation runs where <paramref name="normalized"/> is (the host, in the trainer); the basis is kept on
    /// <paramref name="device"/> (default: that same device), where the fit's products run.</summary>
    public static QuantizedBasis Build(Tensor normalized, IReadOnlyList<long> blockSizes, Tensor blockIds, int bits,
        RankGroup? ranks = null, ColumnRange? columns = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentNullException.ThrowIfNull(blockSizes);
        ArgumentNullException.ThrowIfNull(blockIds);
        ranks ??= RankGroup.OneRank;
        var range = columns ?? new ColumnRange(0, normalized.Size(1));
        var width = normalized.Size(1);
        if (range.Count != width)
        {
            throw new ArgumentException($"the column range {range.Start}..{range.End} has {range.Count} columns but the basis slice has {width}", nameof(columns));
        }

        var segments = BlockPartition.Segments(blockSizes, range).ToArray();
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var target = device ?? normalized.Device;
        switch (bits)
        {
            case 32:
                return new QuantizedBasis(32, width, scope.Detach(normalized.To(DType.Float32, target, copy: true).Contiguous()), null, null, segments);
            case 16:
                return new QuantizedBasis(16, width, scope.Detach(normalized.To(DType.Float16, target).Contiguous()), null, null, segments);
            case >= 1 and <= 8:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(bits), bits, "projection bits must be 32, 16 or 1..8");
        }

        var levels = (1 << bits) - 1;
        var n = normalized.Size(0);
        // Ranges per (row, block) over the block's columns on every rank; a block absent here is +inf/-inf locally.
        var low = Tensors.Full([n, blockSizes.Count], double.PositiveInfinity, DType.Float32, normalized.Device);  // [n, L]
        var high = Tensors.Full([n, blockSizes.Count], double.NegativeInfinity, DType.Float32, normalized.Device); // [n, L]
        foreach (var s in segments)
        {
            var segment = normalized.Narrow(1, s.LocalOffset, s.Length);
            low.Narrow(1, s.Block, 1).CopyFrom(segment.Min(1, keepDim: true));
            high.Narrow(1, s.Block, 1).CopyFrom(segment.Max(1, keepDim: true));
        }

        ranks.AllReduce(low, ReduceOp.Min);
        ranks.AllReduce(high, ReduceOp.Max);
        var scale = high.Sub(low).Div(levels); // [n, L]; 0 for a constant segment
        var lowCols = low.IndexSelect(1, blockIds);
        var scaleCols = scale.IndexSelect(1, blockIds);
        var safeScale = Tensors.Where(scaleCols.Gt(0), scaleCols, Tensors.Ones([1], DType.Float32, normalized.Device));
        var codes = normalized.Sub(lowCols).Div(safeScale).Round().Clamp(0, levels).To(DType.Int64); // [n, D]

        // Groups of 8 codes fill exactly `bits` bytes: build each group's 64-bit word, then split it into bytes.
        var groups = (width + 7) / 8;
        var grouped = codes.Pad([0, groups * 8 - width]).View(n, groups, 8);
        var words = grouped.Select(2, 0).Contiguous();
        for (var slot = 1; slot < 8; slot++)
        {
            words.BitwiseOrInPlace(grouped.Select(2, slot).ShiftLeft(bits * slot));
        }

        var bytes = Enumerable.Range(0, bits).Select(b => words.ShiftRight(8 * b).BitwiseAnd(0xFF)).ToArray();
        var packed = Tensors.Stack(bytes, 2).To(DType.UInt8).Reshape(n, groups * bits).Narrow(1, 0, (width * bits + 7) / 8).Contiguous();
        return new QuantizedBasis(bits, width, scope.Detach(ToTiles(packed, width, bits).To(target)), scope.Detach(scale.To(target)),
            scope.Detach(low.To(target)), segments);
    }

    /// <summary>The dequantised basis P̂ as a new f32 tensor [n, D] (owned by the caller or the current scope): the
    /// unfused reference of the projection products.</summary>
    public Tensor Dequantize() => Dequantize(new ColumnRange(0, Columns));

    /// <summary>Columns <paramref name="columns"/> of the dequantised basis, a new f32 tensor [n, columns.Count]. Reads only
    /// the tiles that hold those columns, so its temporaries (about 30 bytes per entry at the packed widths) scale with
    /// the range, not with D.</summary>
    internal Tensor Dequantize(ColumnRange columns)
    {
        if (columns.Start < 0 || columns.Count < 0 || columns.End > Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(columns), columns, $"the column range must lie in [0, {Columns})");
        }

        if (Bits == 32)
        {
            return _stored.Narrow(1, columns.Start, columns.Count);
        }

        if (Bits == 16)
        {
            return _stored.Narrow(1, columns.Start, columns.Count).To(DType.Float32);
        }

        using var scope = new TensorScope();
        // The packed row-major bytes of the whole tiles [first, last) around the range (the last "tile" may be the
        // partial rest stored after the whole tiles), starting at column first * T.
        const long T = PackedProjection.TileColumns;
        var (tileBytes, wholeTiles) = (T * Bits / 8, Columns / T);
        var (first, last) = (columns.Start / T, (columns.End + T - 1) / T);
        var flat = _stored.View(-1);
        var parts = new List<Tensor>();
        var lastWhole = Math.Min(last, wholeTiles);
        if (lastWhole > first)
        {
            parts.Add(flat.Narrow(0, first * Rows * tileBytes, (lastWhole - first) * Rows * tileBytes)
                .View(lastWhole - first, Rows, tileBytes).Transpose(0, 1).Reshape(Rows, (lastWhole - first) * tileBytes));
        }

        if (last > wholeTiles)
        {
            var restWidth = _stored.Size(1) - wholeTiles * tileBytes;
            parts.Add(flat.Narrow(0, wholeTiles * Rows * tileBytes, Rows * restWidth).View(Rows, restWidth));
        }

        var offset = first * T;
        var span = columns.End - offset; // columns decoded: [offset, columns.End)
        var packed = parts.Count == 1 ? parts[0] : Tensors.Cat(parts, 1);
        var groups = (span + 7) / 8;
        var need = groups * Bits;
        var raw = packed.Narrow(1, 0, Math.Min(packed.Size(1), need)).To(DType.Int64);
        var bytes = raw.Pad([0, need - raw.Size(1)]).View(Rows, groups, Bits);
        var words = bytes.Select(2, 0).Contiguous();
        for (var b = 1; b < Bits; b++)
        {
            words.BitwiseOrInPlace(bytes.Select(2, b).ShiftLeft(8 * b));
        }

        var mask = (1L << Bits) - 1;
        var slots = Enumerable.Range(0, 8).Select(slot => words.ShiftRight(Bits * slot).BitwiseAnd(mask)).ToArray();
        var codes = Tensors.Stack(slots, 2).Reshape(Rows, groups * 8).Narrow(1, columns.Start - offset, columns.Count).To(DType.Float32);
        var ids = BlockIds(columns);
        var result = codes.Mul(_scale!.IndexSelect(1, ids)).Add(_low!.IndexSelect(1, ids));
        return scope.MoveToOuter(result);
    }

    /// <summary>Columns per window of the tensor-op path (devices without the fused kernels, i.e. CUDA): each window is
    /// dequantised, used and freed in turn, so a step's temporaries stay near n × 30 B × this instead of n × 30 B × D
    /// (the whole basis 60x over at 4 bits). A multiple of the tile width.</summary>
    internal long WindowColumns { get; set; } = 32 * PackedProjection.TileColumns;

    /// <summary>The windows of <paramref name="columns"/>: cut at multiples of <see cref="WindowColumns"/>.</summary>
    private IEnumerable<ColumnRange> Windows(ColumnRange columns)
    {
        for (var start = columns.Start; start < columns.End;)
        {
            var end = Math.Min(columns.End, (start / WindowColumns + 1) * WindowColumns);
            yield return new ColumnRange(start, end - start);
            start = end;
        }
    }

    /// <summary>The coefficient gradient by tensor ops, window by window (the path of devices without fused kernels).</summary>
    internal void CoefficientGradientByWindows(Tensor g, Tensor gradX, ColumnRange columns)
    {
        using var scope = new TensorScope();
        gradX.ZeroInPlace();
        var part = Tensors.Empty(gradX.Shape.ToArray(), gradX.DType, gradX.Device); // overwritten per window
        foreach (var w in Windows(columns))
        {
            using var window = new TensorScope();
            CenteredTwa.CoefficientGradient(Dequantize(w), g.Narrow(0, w.Start, w.Count), BlockIds(w), part);
            gradX.AddInPlace(part);
        }
    }

    /// <summary>The reconstruction by tensor ops, window by window (the path of devices without fused kernels).</summary>
    internal void ReconstructByWindows(Tensor center, Tensor x, Tensor output, ColumnRange columns)
    {
        foreach (var w in Windows(columns))
        {
            using var window = new TensorScope();
            output.Narrow(0, w.Start, w.Count).CopyFrom(
                CenteredTwa.Reconstruct(center.Narrow(0, w.Start, w.Count), Dequantize(w), x, BlockIds(w)));
        }
    }

    /// <summary>The exact chain-rule coefficient gradient <paramref name="gradX"/>[i, b] = Σ_{j in block b} P̂[i, j]·g[j]
    /// (f32 [n, L], overwritten) from <paramref name="g"/> = ∂L/∂w over this basis' columns (f32 [Columns]).</summary>
    public void CoefficientGradient(Tensor g, Tensor gradX) => CoefficientGradient(g, gradX, new ColumnRange(0, Columns));

    /// <summary><see cref="CoefficientGradient(Tensor, Tensor)"/> over the basis columns <paramref name="columns"/>
    /// only (the sums skip every other column; blocks outside the range get 0).</summary>
    internal void CoefficientGradient(Tensor g, Tensor gradX, ColumnRange columns)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(gradX);
        if (_stored.Device.Type != DeviceType.Cpu)
        {
            CoefficientGradientByWindows(g, gradX, columns);
            return;
        }

        var table = SegmentTableFor(columns);
        try
        {
            PackedProjection.Gradient(_stored, Bits, Columns, _scale, _low, table, g, gradX);
        }
        finally
        {
            if (!ReferenceEquals(table, _segmentTable))
            {
                table.Dispose();
            }
        }
    }

    /// <summary><paramref name="output"/>[j] = <paramref name="center"/>[j] + Σ_i P̂[i, j]·<paramref name="x"/>[i, block(j)]
    /// for this basis' columns (center and output f32 [Columns], output may be center; x f32 [n, L]).</summary>
    public void Reconstruct(Tensor center, Tensor x, Tensor output) => Reconstruct(center, x, output, new ColumnRange(0, Columns));

    /// <summary><see cref="Reconstruct(Tensor, Tensor, Tensor)"/> for the basis columns <paramref name="columns"/> only;
    /// the other entries of <paramref name="output"/> are left as they are.</summary>
    internal void Reconstruct(Tensor center, Tensor x, Tensor output, ColumnRange columns)
    {
        ArgumentNullException.ThrowIfNull(center);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(output);
        if (_stored.Device.Type != DeviceType.Cpu)
        {
            ReconstructByWindows(center, x, output, columns);
            return;
        }

        var table = SegmentTableFor(columns);
        try
        {
            PackedProjection.Reconstruct(_stored, Bits, Columns, _scale, _low, table, center, x, output);
        }
        finally
        {
            if (!ReferenceEquals(table, _segmentTable))
            {
                table.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _stored.Dispose();
        _scale?.Dispose();
        _low?.Dispose();
        _segmentTable.Dispose();
    }

    /// <summary>Row-major packed rows u8 [n, W] in the tiled byte order of <see cref="PackedProjection"/> (same shape):
    /// the whole tiles' bytes tile-major, then the rest of every row.</summary>
    internal static Tensor ToTiles(Tensor rowMajor, long columns, int bits)
    {
        var (n, width) = (rowMajor.Size(0), rowMajor.Size(1));
        var (tiles, tileBytes) = (columns / PackedProjection.TileColumns, PackedProjection.TileColumns * bits / 8);
        if (tiles == 0)
        {
            return rowMajor.Contiguous();
        }

        var head = rowMajor.Narrow(1, 0, tiles * tileBytes).Reshape(n, tiles, tileBytes).Transpose(0, 1).Contiguous().View(-1);
        var rest = rowMajor.Narrow(1, tiles * tileBytes, width - tiles * tileBytes).Contiguous().View(-1);
        return Tensors.Cat([head, rest]).View(n, width);
    }

    /// <summary>The block of each column in <paramref name="columns"/> (i64, on the basis' device; owned by the caller
    /// or the current scope). Built from the segments on demand rather than held for all D columns: 8 bytes per column
    /// would outweigh a packed basis of a few snapshots.</summary>
    private Tensor BlockIds(ColumnRange columns)
    {
        var ids = new long[columns.Count];
        foreach (var s in _segments)
        {
            var start = Math.Max(s.LocalOffset, columns.Start);
            var end = Math.Min(s.LocalOffset + s.Length, columns.End);
            if (end > start)
            {
                Array.Fill(ids, s.Block, (int)(start - columns.Start), (int)(end - start));
            }
        }

        using var host = Tensors.FromArray<long>(ids, [ids.Length]);
        return _stored.Device.Type == DeviceType.Cpu ? host.Clone() : host.To(_stored.Device);
    }

    private Tensor SegmentTableFor(ColumnRange columns)
    {
        if (columns.Start < 0 || columns.Count < 0 || columns.End > Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(columns), columns, $"the column range must lie in [0, {Columns})");
        }

        return columns == new ColumnRange(0, Columns) ? _segmentTable : SegmentTable(_segments, columns);
    }

    /// <summary>The rows (block, first column, length) of <paramref name="segments"/> clipped to <paramref name="columns"/>
    /// (a new tensor owned by the caller, whatever scope is active).</summary>
    private static Tensor SegmentTable(BlockSegment[] segments, ColumnRange columns)
    {
        var rows = new List<long>(segments.Length * 3);
        foreach (var s in segments)
        {
            var start = Math.Max(s.LocalOffset, columns.Start);
            var end = Math.Min(s.LocalOffset + s.Length, columns.End);
            if (end > start)
            {
                rows.AddRange([s.Block, start, end - start]);
            }
        }

        var table = Tensors.FromArray<long>(rows.ToArray(), [rows.Count / 3, 3]);
        return TensorScope.Current?.Detach(table) ?? table;
    }
}
