using System.Globalization;
using System.Security;
using System.Text;
using Twa.Training.Phases;

namespace Twa.Training.Runs;

/// <summary>A dependency-free SVG line chart of test accuracy and training loss per epoch, base then TWA
/// epochs continuing on the same axis.</summary>
public static class CurvesSvg
{
    public static string Render(IReadOnlyList<EpochRecord> history, string title)
    {
        ArgumentNullException.ThrowIfNull(history);
        const int width = 720, height = 420, left = 60, right = 60, top = 40, bottom = 50;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(inv, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(inv, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{SecurityElement.Escape(title)}: test accuracy (left) and train loss (right)</text>\n");
        if (history.Count == 0)
        {
            return sb.Append("</svg>\n").ToString();
        }

        var n = history.Count;
        double X(int i) => left + (n == 1 ? 0.5 : (double)i / (n - 1)) * (width - left - right);
        var accMin = Math.Floor(history.Min(h => h.TestAccuracy) * 100 - 1);
        var accMax = Math.Ceiling(history.Max(h => h.TestAccuracy) * 100 + 1);
        var lossMax = history.Max(h => h.TrainLoss) * 1.05;
        double YAcc(double a) => top + (1 - (a * 100 - accMin) / Math.Max(accMax - accMin, 1e-9)) * (height - top - bottom);
        double YLoss(double l) => top + (1 - l / Math.Max(lossMax, 1e-9)) * (height - top - bottom);

        sb.Append(inv, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"black\"/>\n");
        sb.Append(inv, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"black\"/>\n");
        for (var k = 0; k <= 4; k++)
        {
            var a = accMin + k * (accMax - accMin) / 4;
            var y = YAcc(a / 100);
            sb.Append(inv, $"<text x=\"{left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{a:F1}%</text>\n");
            sb.Append(inv, $"<text x=\"{width - right + 6}\" y=\"{YLoss(lossMax * k / 4) + 4:F1}\">{lossMax * k / 4:F2}</text>\n");
        }

        for (var i = 0; i < n; i++)
        {
            sb.Append(inv, $"<text x=\"{X(i):F1}\" y=\"{height - bottom + 16}\" text-anchor=\"middle\">{history[i].Phase[0]}{history[i].Epoch}</text>\n");
        }

        void Line(Func<EpochRecord, double> y, string color, string dash)
        {
            var points = string.Join(" ", history.Select((h, i) => string.Create(inv, $"{X(i):F1},{y(h):F1}")));
            sb.Append(inv, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>\n");
        }

        Line(h => YAcc(h.TestAccuracy), "#1f77b4", "");
        Line(h => YLoss(h.TrainLoss), "#d62728", "6,4");
        sb.Append(inv, $"<text x=\"{left + 10}\" y=\"{height - 12}\" fill=\"#1f77b4\">— test accuracy</text>\n");
        sb.Append(inv, $"<text x=\"{left + 160}\" y=\"{height - 12}\" fill=\"#d62728\">- - train loss</text>\n");
        sb.Append(inv, $"<text x=\"{left + 300}\" y=\"{height - 12}\">b = base epoch, t = TWA epoch</text>\n");
        return sb.Append("</svg>\n").ToString();
    }
}
