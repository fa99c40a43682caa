using System.Collections.Concurrent;
using System.Text;

namespace Twa.Metrics;

/// <summary>A <see cref="MetricFamily"/> whose series are of type <typeparamref name="TSeries"/>. Thread-safe.</summary>
public abstract class MetricFamily<TSeries> : MetricFamily
    where TSeries : class
{
    private readonly ConcurrentDictionary<string[], TSeries> _series = new(LabelValuesComparer.Instance);

    private protected MetricFamily(string name, string help, string[] labelNames, MetricType type)
        : base(name, help, labelNames, type)
    {
    }

    public override int SeriesCount => _series.Count;

    /// <summary>The series for these label values (in <see cref="MetricFamily.LabelNames"/> order), created on first
    /// use. The same instance is returned for the same values until it is removed.</summary>
    /// <exception cref="ArgumentException">Wrong number of values, or a null value.</exception>
    public TSeries WithLabels(params string[] labelValues)
    {
        ArgumentNullException.ThrowIfNull(labelValues);
        if (labelValues.Length != LabelNames.Count)
        {
            throw new ArgumentException(
                $"{Name} has {LabelNames.Count} label(s) ({string.Join(", ", LabelNames)}) but {labelValues.Length} value(s) were given", nameof(labelValues));
        }

        if (_series.TryGetValue(labelValues, out var existing))
        {
            return existing;
        }

        foreach (var v in labelValues)
        {
            ArgumentNullException.ThrowIfNull(v, nameof(labelValues));
        }

        return _series.GetOrAdd((string[])labelValues.Clone(), _ => CreateSeries());
    }

    public override bool RemoveLabels(params string[] labelValues)
    {
        ArgumentNullException.ThrowIfNull(labelValues);
        return _series.TryRemove(labelValues, out _);
    }

    public override int RemoveMatching(IReadOnlyDictionary<string, string> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var positions = new List<(int Index, string Value)>();
        foreach (var (name, value) in match)
        {
            var i = LabelNames.ToList().IndexOf(name);
            if (i < 0)
            {
                return 0;
            }

            positions.Add((i, value));
        }

        var removed = 0;
        foreach (var key in _series.Keys)
        {
            if (positions.All(p => key[p.Index] == p.Value) && _series.TryRemove(key, out _))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>The unlabeled series; throws when the family has labels.</summary>
    private protected TSeries Unlabeled => LabelNames.Count == 0
        ? WithLabels()
        : throw new InvalidOperationException($"{Name} has labels ({string.Join(", ", LabelNames)}); use WithLabels(...)");

    private protected abstract TSeries CreateSeries();

    /// <summary>Appends the samples of one series.</summary>
    private protected abstract void WriteSeries(StringBuilder sb, string[] labelValues, TSeries series);

    internal override void Write(StringBuilder sb)
    {
        var snapshot = _series.ToArray();
        if (snapshot.Length == 0)
        {
            return;
        }

        Array.Sort(snapshot, (a, b) => LabelValuesComparer.Compare(a.Key, b.Key));
        sb.Append("# HELP ").Append(Name).Append(' ').Append(TextFormat.Help(Help)).Append('\n');
        sb.Append("# TYPE ").Append(Name).Append(' ').Append(Type.ToString().ToLowerInvariant()).Append('\n');
        foreach (var (labels, series) in snapshot)
        {
            WriteSeries(sb, labels, series);
        }
    }

    private sealed class LabelValuesComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelValuesComparer Instance = new();

        public static int Compare(string[] a, string[] b)
        {
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }

        public bool Equals(string[]? x, string[]? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(string[] obj)
        {
            var h = new HashCode();
            foreach (var s in obj)
            {
                h.Add(s, StringComparer.Ordinal);
            }

            return h.ToHashCode();
        }
    }
}
