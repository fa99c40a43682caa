using System.Text;

namespace Twa.Metrics;

/// <summary>A counter family (name ends in "_total"). Without labels, <see cref="Inc"/> and <see cref="Value"/> act on
/// its single series, which is exported as 0 from the start. Thread-safe.</summary>
public sealed class Counter : MetricFamily<CounterSeries>
{
    internal Counter(string name, string help, string[] labelNames)
        : base(name, help, labelNames, MetricType.Counter)
    {
        if (labelNames.Length == 0)
        {
            WithLabels();
        }
    }

    /// <summary>Adds to the unlabeled series; throws <see cref="InvalidOperationException"/> when the family has labels.</summary>
    public void Inc(double amount = 1) => Unlabeled.Inc(amount);

    /// <summary>The unlabeled series' value; throws <see cref="InvalidOperationException"/> when the family has labels.</summary>
    public double Value => Unlabeled.Value;

    private protected override CounterSeries CreateSeries() => new();

    private protected override void WriteSeries(StringBuilder sb, string[] labelValues, CounterSeries series)
    {
        sb.Append(Name);
        TextFormat.AppendLabels(sb, LabelNames, labelValues);
        sb.Append(' ').Append(TextFormat.Number(series.Value)).Append('\n');
    }
}
