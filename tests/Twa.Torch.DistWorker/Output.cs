using System.Globalization;

namespace Twa.Torch.DistWorker;

/// <summary>The worker's line protocol on stdout: <c>KEY field field ...</c>, one event per line.</summary>
internal static class Output
{
    public static void Line(string key, params object[] fields) =>
        Console.Out.WriteLine(string.Join(' ', fields.Prepend(key).Select(Format)));

    public static void Result(string name, Tensor t) => Line("RESULT", name, string.Join(',', t.ToArray<double>().Select(Number)));

    public static void Failure(string key, string name, Exception e) => Line(key, name, e.GetType().Name, OneLine(e.Message));

    public static string OneLine(string s) => s.ReplaceLineEndings(" ");

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(object o) => o switch
    {
        double d => Number(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => o.ToString() ?? string.Empty,
    };
}
