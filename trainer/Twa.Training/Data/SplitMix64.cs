namespace Twa.Training.Data;

/// <summary>SplitMix64: a tiny, fast, fully specified PRNG. Used wherever a stream must be identical on
/// every machine, .NET version and rank count (shuffles, augmentation draws), unlike System.Random.</summary>
public struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A generator for the stream identified by (seed, a, b), e.g. (job seed, epoch, sample).</summary>
    public static SplitMix64 For(ulong seed, ulong a, ulong b = 0)
    {
        var g = new SplitMix64(seed ^ 0x9E3779B97F4A7C15UL);
        var s1 = g.NextUInt64() ^ a;
        g = new SplitMix64(s1);
        return new SplitMix64(g.NextUInt64() ^ b);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform integer in [0, n) (n > 0), without modulo bias.</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);

        var limit = ulong.MaxValue - ulong.MaxValue % (ulong)n;
        ulong v;
        do
        {
            v = NextUInt64();
        }
        while (v >= limit);
        return (int)(v % (ulong)n);
    }

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++)
        {
            p[i] = i;
        }

        for (var i = n - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }
}
