namespace Twa.Metrics;

/// <summary>One histogram series: observation counts per bucket (upper bounds inclusive, +Inf implicit), their sum
/// and count. Thread-safe; an exposition sees a consistent snapshot (count = the +Inf bucket).</summary>
public sealed class HistogramSeries
{
    private readonly Lock _lock = new();
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private double _sum;
    private long _count;

    internal HistogramSeries(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    /// <summary>Records one observation (e.g. seconds). NaN counts in the +Inf bucket and makes the sum NaN.</summary>
    public void Observe(double value)
    {
        var i = Array.BinarySearch(_bounds, value);
        var bucket = double.IsNaN(value) ? _bounds.Length : i >= 0 ? i : ~i;
        lock (_lock)
        {
            _counts[bucket]++;
            _sum += value;
            _count++;
        }
    }

    /// <summary>Number of observations so far.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Sum of the observations so far.</summary>
    public double Sum
    {
        get
        {
            lock (_lock)
            {
                return _sum;
            }
        }
    }

    /// <summary>Cumulative counts per bucket (the last is +Inf), the sum and the count, taken atomically.</summary>
    internal (long[] Cumulative, double Sum, long Count) Snapshot()
    {
        var cumulative = new long[_counts.Length];
        lock (_lock)
        {
            long running = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                running += _counts[i];
                cumulative[i] = running;
            }

            return (cumulative, _sum, _count);
        }
    }
}
