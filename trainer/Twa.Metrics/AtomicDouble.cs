namespace Twa.Metrics;

/// <summary>Lock-free updates of a double stored as its 64-bit pattern in a <see cref="long"/> field.</summary>
internal static class AtomicDouble
{
    public static double Read(ref long bits) => BitConverter.Int64BitsToDouble(Interlocked.Read(ref bits));

    public static void Write(ref long bits, double value) => Interlocked.Exchange(ref bits, BitConverter.DoubleToInt64Bits(value));

    public static void Add(ref long bits, double delta)
    {
        while (true)
        {
            var old = Interlocked.Read(ref bits);
            var updated = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(old) + delta);
            if (Interlocked.CompareExchange(ref bits, updated, old) == old)
            {
                return;
            }
        }
    }
}
