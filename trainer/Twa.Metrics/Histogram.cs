using System.Text;

namespace Twa.Metrics;

/// <summary>A histogram family with fixed bucket upper bounds (ascending, finite; +Inf is implicit). Exposed as
/// NAME_bucket{le="..."} (cumulative), NAME_sum and NAME_count. Without labels, <see cref="Observe"/> acts on its
/// single series, exported with zero counts from the start. Thread-safe.</summary>
public sealed class Histogram : MetricFamily<HistogramSeries>
{
    private readonly double[] _bounds;
    private readonly string[] _le;

    internal Histogram(string name, string help, double[] bounds, string[] labelNames)
        : base(name, help, labelNames, MetricType.Histogram)
    {
        _bounds = bounds;
        _le = [.. bounds.Select(TextFormat.Number), "+Inf"];
        if (labelNames.Length == 0)
        {
            WithLabels();
        }
    }

    /// <summary>The bucket upper bounds (without +Inf).</summary>
    public IReadOnlyList<double> Buckets => _bounds;

    /// <summary>Prometheus' default buckets: 0.005 ... 10 (seconds).</summary>
    public static IReadOnlyList<double> DefaultBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary><paramref name="count"/> bounds start, start*factor, start*factor^2, ...</summary>
    public static IReadOnlyList<double> ExponentialBuckets(double start, double factor, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(start);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(factor, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var b = new double[count];
        for (var i = 0; i < count; i++)
        {
            b[i] = start * Math.Pow(factor, i);
        }

        return b;
    }

    /// <summary><paramref name="count"/> bounds start, start+width, ...</summary>
    public static IReadOnlyList<double> LinearBuckets(double start, double width, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return Enumerable.Range(0, count).Select(i => start + (i * width)).ToArray();
    }

    /// <summary>Observes into the unlabeled series; throws <see cref="InvalidOperationException"/> when the family has labels.</summary>
    public void Observe(double value) => Unlabeled.Observe(value);

    internal override IEnumerable<string> ExposedNames => [Name, Name + "_bucket", Name + "_sum", Name + "_count"];

    internal static double[] CheckBuckets(string name, IReadOnlyList<double> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        if (buckets.Count == 0)
        {
            throw new ArgumentException($"{name}: a histogram needs at least one bucket bound", nameof(buckets));
        }

        for (var i = 0; i < buckets.Count; i++)
        {
            if (!double.IsFinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
            {
                throw new ArgumentException($"{name}: bucket bounds must be finite and strictly ascending (bound {i} is {buckets[i]})", nameof(buckets));
            }
        }

        return [.. buckets];
    }

    private protected override HistogramSeries CreateSeries() => new(_bounds);

    private protected override void WriteSeries(StringBuilder sb, string[] labelValues, HistogramSeries series)
    {
        var (cumulative, sum, count) = series.Snapshot();
        for (var i = 0; i < cumulative.Length; i++)
        {
            sb.Append(Name).Append("_bucket");
            TextFormat.AppendLabels(sb, LabelNames, labelValues, "le", _le[i]);
            sb.Append(' ').Append(TextFormat.Number(cumulative[i])).Append('\n');
        }

        sb.Append(Name).Append("_sum");
        TextFormat.AppendLabels(sb, LabelNames, labelValues);
        sb.Append(' ').Append(TextFormat.Number(sum)).Append('\n');
        sb.Append(Name).Append("_count");
        TextFormat.AppendLabels(sb, LabelNames, labelValues);
        sb.Append(' ').Append(TextFormat.Number(count)).Append('\n');
    }
}
