namespace Twa.Metrics;

/// <summary>Validation of metric and label names per the Prometheus data model.</summary>
internal static class MetricNames
{
    public static void CheckMetricName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!IsValid(name, allowColon: true))
        {
            throw new ArgumentException($"metric name '{name}' must match [a-zA-Z_:][a-zA-Z0-9_:]*", nameof(name));
        }
    }

    public static string[] CheckLabelNames(string metric, IReadOnlyList<string> labelNames, bool histogram)
    {
        ArgumentNullException.ThrowIfNull(labelNames);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in labelNames)
        {
            ArgumentException.ThrowIfNullOrEmpty(label, nameof(labelNames));
            if (!IsValid(label, allowColon: false) || label.StartsWith("__", StringComparison.Ordinal))
            {
                throw new ArgumentException($"{metric}: label name '{label}' must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'", nameof(labelNames));
            }

            if (histogram && label == "le")
            {
                throw new ArgumentException($"{metric}: 'le' is reserved for histogram buckets", nameof(labelNames));
            }

            if (!seen.Add(label))
            {
                throw new ArgumentException($"{metric}: label name '{label}' is repeated", nameof(labelNames));
            }
        }

        return [.. labelNames];
    }

    private static bool IsValid(string name, bool allowColon)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return name.Length > 0;
    }
}
