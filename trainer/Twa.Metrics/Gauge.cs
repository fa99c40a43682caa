using System.Text;

namespace Twa.Metrics;

/// <summary>A gauge family. Without labels, the convenience members act on its single series, which is exported as 0
/// from the start. Thread-safe.</summary>
public sealed class Gauge : MetricFamily<GaugeSeries>
{
    internal Gauge(string name, string help, string[] labelNames)
        : base(name, help, labelNames, MetricType.Gauge)
    {
        if (labelNames.Length == 0)
        {
            WithLabels();
        }
    }

    /// <summary>The unlabeled series' value; throws <see cref="InvalidOperationException"/> when the family has labels.</summary>
    public double Value => Unlabeled.Value;

    public void Set(double value) => Unlabeled.Set(value);

    public void Inc(double amount = 1) => Unlabeled.Inc(amount);

    public void Dec(double amount = 1) => Unlabeled.Dec(amount);

    public void SetToCurrentTime() => Unlabeled.SetToCurrentTime();

    private protected override GaugeSeries CreateSeries() => new();

    private protected override void WriteSeries(StringBuilder sb, string[] labelValues, GaugeSeries series)
    {
        sb.Append(Name);
        TextFormat.AppendLabels(sb, LabelNames, labelValues);
        sb.Append(' ').Append(TextFormat.Number(series.Value)).Append('\n');
    }
}
