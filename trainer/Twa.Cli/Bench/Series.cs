namespace Twa.Cli.Bench;

/// <summary>Repeated measurements of one figure (the unit is named by the property holding it) and
/// their summary. <see cref="Samples"/> keeps the order in which they were taken.</summary>
internal sealed record Series(double Median, double Min, double Max, int Count, double[] Samples)
{
    public static Series Of(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("a series needs at least one sample", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Series(median, sorted[0], sorted[^1], sorted.Length, [.. samples]);
    }
}
