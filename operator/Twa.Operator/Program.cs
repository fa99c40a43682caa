using Twa.Operator.Crd;
using Twa.Operator.Host;

namespace Twa.Operator;

/// <summary>Entry point of <c>twa-operator</c>.</summary>
internal static class Program
{
    private const string Usage = "usage: twa-operator crd [--out DIR] [--chart DIR | --no-chart]   generate the TwaJob CRD (crds/) and the chart's copy\n"
        + "       twa-operator run                                             run the controller (settings: TWA_OPERATOR_* variables, charts/README.md)";

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        switch (args[0])
        {
            case "crd":
                return CrdCommand.Run(args[1..], Console.Out, Console.Error);
            case "run":
                return RunCommand.Run(args[1..], Console.Out, Console.Error);
            case "--version":
                Console.Out.WriteLine("twa-operator " + typeof(Program).Assembly.GetName().Version);
                return 0;
            default:
                Console.Error.WriteLine($"twa-operator: unknown command '{args[0]}'\n{Usage}");
                return 2;
        }
    }
}
