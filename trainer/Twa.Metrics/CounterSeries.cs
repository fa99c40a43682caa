namespace Twa.Metrics;

/// <summary>One counter series: a value that only goes up (reset only by a process restart). Thread-safe, lock-free.</summary>
public sealed class CounterSeries
{
    private long _bits;

    internal CounterSeries()
    {
    }

    public double Value => AtomicDouble.Read(ref _bits);

    /// <summary>Adds <paramref name="amount"/> (>= 0, default 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative or NaN amount.</exception>
    public void Inc(double amount = 1)
    {
        if (!(amount >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "a counter only goes up; use a gauge for values that go down");
        }

        AtomicDouble.Add(ref _bits, amount);
    }
}
