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

root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
foreach (var command in ModelCommands.Create())
{
    root.Subcommands.Add(command);
}

try
{
    // Our own handler below prints one clear line instead of System.CommandLine's stack trace.
    var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
    return await root.Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
}
catch (Twa.Torch.TorchLoadException e)
{
    Console.Error.WriteLine($"twa: error: {e.Message}");
    return 3;
}
