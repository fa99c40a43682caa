namespace Twa.Metrics;

/// <summary>One gauge series: a value that goes up and down. Thread-safe, lock-free.</summary>
public sealed class GaugeSeries
{
    private long _bits;

    internal GaugeSeries()
    {
    }

    public double Value => AtomicDouble.Read(ref _bits);

    public void Set(double value) => AtomicDouble.Write(ref _bits, value);

    public void Inc(double amount = 1) => AtomicDouble.Add(ref _bits, amount);

    public void Dec(double amount = 1) => AtomicDouble.Add(ref _bits, -amount);

    /// <summary>Sets the value to the current Unix time in seconds (e.g. a "last success" timestamp).</summary>
    public void SetToCurrentTime() => Set(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
}
