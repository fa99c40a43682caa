using System.Globalization;
using System.Text;

namespace Twa.Metrics;

/// <summary>Escaping and number formatting of the Prometheus text format 0.0.4.</summary>
internal static class TextFormat
{
    /// <summary>A sample value or bucket bound: "+Inf", "-Inf", "NaN" or the shortest round-trip decimal.</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>HELP text: backslash and line feed escaped.</summary>
    public static string Help(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Appends a label value with backslash, double quote and line feed escaped.</summary>
    public static void AppendLabelValue(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
    }

    /// <summary>Appends "{a="x",b="y"}" (nothing when there are no labels), with an optional extra label last.</summary>
    public static void AppendLabels(StringBuilder sb, IReadOnlyList<string> names, IReadOnlyList<string> values, string? extraName = null, string? extraValue = null)
    {
        if (names.Count == 0 && extraName is null)
        {
            return;
        }

        sb.Append('{');
        for (var i = 0; i < names.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(names[i]).Append("=\"");
            AppendLabelValue(sb, values[i]);
            sb.Append('"');
        }

        if (extraName is not null)
        {
            if (names.Count > 0)
            {
                sb.Append(',');
            }

            sb.Append(extraName).Append("=\"");
            AppendLabelValue(sb, extraValue ?? "");
            sb.Append('"');
        }

        sb.Append('}');
    }
}
