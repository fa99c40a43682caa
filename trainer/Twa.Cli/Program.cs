using System.CommandLine;
using Twa.Cli;

var root = new RootCommand("twa: Trainable Weight Averaging jobs on libtorch (local or on Kubernetes)");

// `--version` prints the versions of twa, libtorch, the BLAS in use and the devices.
root.Options.Remove(root.Options.OfType<VersionOption>().First());
var version = new Option<bool>("--version") { Description = "Show versions of twa, libtorch, BLAS and the devices available" };
root.Options.Add(version);
root.SetAction(parse =>
{
    if (parse.GetValue(version))
    {
        Console.WriteLine(VersionReport.Build());
        return 0;
    }

    Console.Error.WriteLine("twa: no command given; run `twa --help`");
    return 2;
});

root.Subcommands.Add(BenchCommand.Create());

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
