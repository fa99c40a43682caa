using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;

namespace Twa.Training.Averaging;

/// <summary>
/// The journal TWA's basis P̂ (n×D): rows are centred snapshots normalised per (row, block), stored at
/// <see cref="Bits"/> bits per entry. For 1, 2, 4 and 8 bits the codes q ∈ [0, 2^bits − 1] are PACKED
/// (8/bits codes per byte), so the basis really takes n·D·bits/8 bytes, plus a scale and an offset per
/// (row, block): P̂ = q·s + lo with lo/hi the block segment's min/max. Ranges are fixed per (snapshot, block),
/// never per rank, so re-sharding cannot change the model: a rank holds only its columns of the basis (codes of
/// n × its column count), and the ranges are min/max all-reduced over the ranks. 16 = half precision, 32 = f32
/// (no quantisation). Owns its tensors. Not thread-safe.
/// </summary>
public sealed class QuantizedBasis : IDisposable
{
    private readonly Tensor _stored;     // packed u8 [n, ceil(D·bits/8)], or f16/f32 [n, D]
    private readonly Tensor? _scale;     // f32 [n, L]
    private readonly Tensor? _low;       // f32 [n, L]
    private readonly Tensor _blockIds;   // i64 [D]

    private QuantizedBasis(int bits, long columns, Tensor stored, Tensor? scale, Tensor? low, Tensor blockIds)
    {
        (Bits, Columns, _stored, _scale, _low, _blockIds) = (bits, columns, stored, scale, low, blockIds);
    }

    public int Bits { get; }
    public long Rows => _stored.Size(0);
    public long Columns { get; }

    /// <summary>Bytes held for the basis entries (codes or values), without the per-block scalars.</summary>
    public long EntryBytes => _stored.NumElements * _stored.DType.ElementSize();

    /// <summary>Bytes of the per-(row, block) scale and offset.</summary>
    public long ScalarBytes => (_scale?.NumElements ?? 0) * 8;

    /// <summary>Quantises <paramref name="normalized"/> (f32 [n, columns.Count]: this rank's columns, default all D)
    /// per (row, block), with <paramref name="blockIds"/> the block of each of those columns. Every rank of
    /// <paramref name="ranks"/> (default a single rank) must call it.</summary>
    public static QuantizedBasis Build(Tensor normalized, IReadOnlyList<long> blockSizes, Tensor blockIds, int bits,
        RankGroup? ranks = null, ColumnRange? columns = null)
    {
        ArgumentNullException.ThrowIfNull(normalized);
        ArgumentNullException.ThrowIfNull(blockSizes);
        ranks ??= RankGroup.OneRank;
        var range = columns ?? new ColumnRange(0, normalized.Size(1));
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var width = normalized.Size(1);
        var ids = scope.Detach(blockIds.Alias());
        switch (bits)
        {
            case 32:
                return new QuantizedBasis(32, width, scope.Detach(normalized.Contiguous().Clone()), null, null, ids);
            case 16:
                return new QuantizedBasis(16, width, scope.Detach(normalized.To(DType.Float16)), null, null, ids);
            case 8 or 4 or 2 or 1:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(bits), bits, "projection bits must be 32, 16, 8, 4, 2 or 1");
        }

        var levels = (1 << bits) - 1;
        var n = normalized.Size(0);
        // Ranges per (row, block) over the block's columns on every rank; a block absent here is +inf/-inf locally.
        var low = Tensors.Full([n, blockSizes.Count], double.PositiveInfinity, DType.Float32, normalized.Device);  // [n, L]
        var high = Tensors.Full([n, blockSizes.Count], double.NegativeInfinity, DType.Float32, normalized.Device); // [n, L]
        foreach (var s in BlockPartition.Segments(blockSizes, range))
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
        var codes = normalized.Sub(lowCols).Div(safeScale).Round().Clamp(0, levels).To(DType.UInt8); // [n, D]

        var perByte = 8 / bits;
        var padded = (width + perByte - 1) / perByte * perByte;
        var grouped = codes.Pad([0, padded - width]).View(n, padded / perByte, perByte);
        var packed = grouped.Select(2, 0).Contiguous();
        for (var slot = 1; slot < perByte; slot++)
        {
            packed.BitwiseOrInPlace(grouped.Select(2, slot).ShiftLeft(bits * slot));
        }

        return new QuantizedBasis(bits, width, scope.Detach(packed), scope.Detach(scale), scope.Detach(low), ids);
    }

    /// <summary>The dequantised basis P̂ as a new f32 tensor [n, D] (owned by the caller or the current scope).</summary>
    public Tensor Dequantize()
    {
        if (Bits == 32)
        {
            return _stored.Alias();
        }

        if (Bits == 16)
        {
            return _stored.To(DType.Float32);
        }

        using var scope = new TensorScope();
        var perByte = 8 / Bits;
        var mask = (1 << Bits) - 1;
        var slots = Enumerable.Range(0, perByte).Select(slot => _stored.ShiftRight(Bits * slot).BitwiseAnd(mask)).ToArray();
        var codes = Tensors.Stack(slots, 2).Reshape(Rows, -1).Narrow(1, 0, Columns).To(DType.Float32);
        var result = codes.Mul(_scale!.IndexSelect(1, _blockIds)).Add(_low!.IndexSelect(1, _blockIds));
        return scope.MoveToOuter(result);
    }

    public void Dispose()
    {
        _stored.Dispose();
        _scale?.Dispose();
        _low?.Dispose();
        _blockIds.Dispose();
    }
}
