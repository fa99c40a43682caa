namespace Twa.Operator.Runtime;

/// <summary>Capped exponential backoff with jitter: attempt n (1-based) waits <c>min(max, initial·2^(n-1))</c> times a
/// random factor in [0.8, 1.2], never above <paramref name="Max"/>. Immutable; thread-safe.</summary>
/// <param name="Initial">Delay of the first retry.</param>
/// <param name="Max">Cap of every delay.</param>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max)
{
    /// <summary>The reconcile retry policy of OPERATOR.md 3.1: 1 s doubling up to 5 min.</summary>
    public static Backoff Reconcile { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <summary>The delay before retry number <paramref name="attempt"/> (1 = first retry).</summary>
    public TimeSpan Delay(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var raw = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, exponent));
        var jittered = raw * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(Max.TotalMilliseconds, jittered));
    }
}
