namespace Twa.Metrics;

/// <summary>The Prometheus metric types this library exposes (the "# TYPE" line).</summary>
public enum MetricType
{
    Counter,
    Gauge,
    Histogram,
}
