using System.Text;

namespace Twa.Metrics;

/// <summary>
/// One metric name with its help text, type and label names, holding one series per distinct combination of
/// label values. Families are created by a <see cref="MetricsRegistry"/> and live as long as it; series are
/// created on first use and can be removed (e.g. a job's series when the job is deleted). Thread-safe.
/// </summary>
public abstract class MetricFamily
{
    private protected MetricFamily(string name, string help, string[] labelNames, MetricType type)
    {
        Name = name;
        Help = help;
        LabelNames = labelNames;
        Type = type;
    }

    public string Name { get; }

    public string Help { get; }

    public IReadOnlyList<string> LabelNames { get; }

    public MetricType Type { get; }

    /// <summary>Number of series currently held.</summary>
    public abstract int SeriesCount { get; }

    /// <summary>Removes the series with exactly these label values (in <see cref="LabelNames"/> order); false when
    /// there was none.</summary>
    public abstract bool RemoveLabels(params string[] labelValues);

    /// <summary>Removes every series whose labels include all of <paramref name="match"/>; returns how many.
    /// Families lacking one of the label names remove nothing.</summary>
    public abstract int RemoveMatching(IReadOnlyDictionary<string, string> match);

    /// <summary>The names this family puts in the exposition (histograms add _bucket, _sum, _count).</summary>
    internal virtual IEnumerable<string> ExposedNames => [Name];

    /// <summary>Appends the family (HELP, TYPE, samples) to <paramref name="sb"/>; nothing when it has no series.</summary>
    internal abstract void Write(StringBuilder sb);
}
