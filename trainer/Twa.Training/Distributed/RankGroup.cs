using Twa.Torch;
using Twa.Torch.Distributed;

namespace Twa.Training.Distributed;

/// <summary>
/// The ranks one run trains on: either <see cref="OneRank"/> (one process; every collective is the identity, so the
/// single-rank path runs exactly the operations it always did) or a c10d <see cref="ProcessGroup"/>. The training
/// code calls the same methods either way, so there is one engine that works on a column range (a single rank owns
/// [0, D)). Does not own the group. Not thread-safe (collectives of one group are issued from one thread).
/// </summary>
public sealed class RankGroup
{
    /// <summary>Gradient all-reduce bucket of the data-parallel base training: 4 Mi elements (16 MiB of f32).</summary>
    public const long BucketElements = 4L << 20;

    private readonly ProcessGroup? _group;

    private RankGroup(ProcessGroup? group) => _group = group;

    /// <summary>One rank, no communication.</summary>
    public static RankGroup OneRank { get; } = new(null);

    /// <summary>The ranks of <paramref name="group"/> (not owned; dispose it after the run).</summary>
    public static RankGroup Of(ProcessGroup group) => new(group ?? throw new ArgumentNullException(nameof(group)));

    public int Rank => _group?.Rank ?? 0;

    public int Size => _group?.Size ?? 1;

    public bool IsSingle => _group is null;

    /// <summary>The counters of the collectives (null for a single rank).</summary>
    public CollectiveStats? Stats => _group?.Stats;

    /// <summary>Payload bytes this rank has sent so far, all collectives together (0 for a single rank).</summary>
    public long BytesSent => _group is null ? 0 : _group.Stats.Snapshot().Values.Sum(c => c.BytesSent);

    /// <summary>This rank's columns of a D-column basis.</summary>
    public ColumnRange Columns(long d) => ColumnRange.Of(d, Rank, Size);

    /// <summary>Reduces <paramref name="tensor"/> (contiguous) over the ranks, in place.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => _group?.AllReduce(tensor, op);

    /// <summary>All-reduce (sum) of a contiguous 1-D tensor in buckets of <see cref="BucketElements"/>.</summary>
    public void AllReduceBucketed(Tensor flat)
    {
        ArgumentNullException.ThrowIfNull(flat);
        if (_group is null)
        {
            return;
        }

        for (long start = 0; start < flat.NumElements; start += BucketElements)
        {
            using var bucket = flat.Narrow(0, start, Math.Min(BucketElements, flat.NumElements - start));
            _group.AllReduce(bucket);
        }
    }

    /// <summary>Sums a few scalars over the ranks (f64); a single rank gets its own values back.</summary>
    public double[] SumScalars(params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (_group is null)
        {
            return values;
        }

        using var t = Tensors.FromArray<double>(values, [values.Length]);
        _group.AllReduce(t);
        return t.ToArray<double>();
    }

    /// <summary>Reduces (sum) the full D-vector <paramref name="full"/> and writes this rank's columns of the result into
    /// <paramref name="local"/> (D_r elements). A single rank copies.</summary>
    public void ReduceScatterColumns(Tensor local, Tensor full)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(full);
        if (_group is null)
        {
            local.CopyFrom(full);
            return;
        }

        _group.ReduceScatter(local, full, ColumnRange.Counts(full.NumElements, Size));
    }

    /// <summary>Concatenates every rank's columns <paramref name="local"/> into the D-vector <paramref name="full"/>
    /// on every rank. A single rank copies.</summary>
    public void AllGatherColumns(Tensor full, Tensor local)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(full);
        if (_group is null)
        {
            full.CopyFrom(local);
            return;
        }

        _group.AllGather(full, local, ColumnRange.Counts(full.NumElements, Size));
    }

    /// <summary>sqrt of the sum over ranks of the squared local norms: the 2-norm of a vector sharded by columns.
    /// A single rank returns <paramref name="local"/>'s norm as is.</summary>
    public double Norm(Tensor local)
    {
        ArgumentNullException.ThrowIfNull(local);
        using var scope = new TensorScope();
        var n = local.Norm().Item();
        return _group is null ? n : Math.Sqrt(SumScalars(n * n)[0]);
    }

    /// <summary>Returns once every rank got here.</summary>
    public void Barrier() => _group?.Barrier();
}
