using System.Text;

namespace Twa.Metrics;

/// <summary>
/// A set of metric families and their Prometheus text exposition (format 0.0.4). Families are exported in name
/// order, series in label-value order, so the output is deterministic; families without series are omitted.
/// The caller hosts the HTTP endpoint and serves <see cref="Export"/> with <see cref="ContentType"/>.
/// Thread-safe: registration, updates, removal and export may run concurrently.
/// </summary>
public sealed class MetricsRegistry
{
    /// <summary>The Content-Type of the exposition.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exposed = new(StringComparer.Ordinal);

    /// <summary>Registers a counter; <paramref name="name"/> must end in "_total".</summary>
    /// <exception cref="ArgumentException">Invalid or already used name, invalid label names.</exception>
    public Counter CreateCounter(string name, string help, params string[] labelNames)
    {
        MetricNames.CheckMetricName(name);
        if (!name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"counter '{name}' must end in '_total' (Prometheus naming)", nameof(name));
        }

        return Add(new Counter(name, Help(help), MetricNames.CheckLabelNames(name, labelNames, histogram: false)));
    }

    /// <summary>Registers a gauge.</summary>
    /// <exception cref="ArgumentException">Invalid or already used name, invalid label names.</exception>
    public Gauge CreateGauge(string name, string help, params string[] labelNames)
    {
        MetricNames.CheckMetricName(name);
        return Add(new Gauge(name, Help(help), MetricNames.CheckLabelNames(name, labelNames, histogram: false)));
    }

    /// <summary>Registers a histogram with the given bucket upper bounds (finite, strictly ascending).</summary>
    /// <exception cref="ArgumentException">Invalid or already used name (including NAME_bucket/_sum/_count), invalid
    /// label names ("le" is reserved) or buckets.</exception>
    public Histogram CreateHistogram(string name, string help, IReadOnlyList<double> buckets, params string[] labelNames)
    {
        MetricNames.CheckMetricName(name);
        return Add(new Histogram(name, Help(help), Histogram.CheckBuckets(name, buckets), MetricNames.CheckLabelNames(name, labelNames, histogram: true)));
    }

    /// <summary>The registered families in name order (a snapshot).</summary>
    public IReadOnlyList<MetricFamily> Families
    {
        get
        {
            lock (_lock)
            {
                return [.. _families.Values];
            }
        }
    }

    /// <summary>Removes, in every family, the series whose labels include all of <paramref name="labels"/> (e.g.
    /// namespace + twajob of a deleted job); returns how many series were removed.</summary>
    public int RemoveSeries(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            throw new ArgumentException("give at least one label to match; removing every series is not supported", nameof(labels));
        }

        return Families.Sum(f => f.RemoveMatching(labels));
    }

    /// <summary>The exposition text.</summary>
    public string Export()
    {
        var sb = new StringBuilder(4096);
        foreach (var family in Families)
        {
            family.Write(sb);
        }

        return sb.ToString();
    }

    /// <summary>Writes the exposition text to <paramref name="writer"/>.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Export());
    }

    private static string Help(string help)
    {
        ArgumentNullException.ThrowIfNull(help);
        return help;
    }

    private T Add<T>(T family)
        where T : MetricFamily
    {
        lock (_lock)
        {
            var clash = family.ExposedNames.FirstOrDefault(_exposed.Contains);
            if (clash is not null)
            {
                throw new ArgumentException($"metric name '{clash}' is already used in this registry (by '{family.Name}' or a histogram's _bucket/_sum/_count)");
            }

            foreach (var n in family.ExposedNames)
            {
                _exposed.Add(n);
            }

            _families.Add(family.Name, family);
            return family;
        }
    }
}
