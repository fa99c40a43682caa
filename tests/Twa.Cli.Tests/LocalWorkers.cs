namespace Twa.Cli.Tests;

/// <summary>The tests that start several `twa worker` processes run one after another: in parallel they would compete
/// for the few cores of a CI machine and time out for no fault of the code. The in-process benches run here too, and so
/// does the test that changes this process's thread pools, which they time.</summary>
[CollectionDefinition(Name)]
public sealed class LocalWorkers
{
    public const string Name = "local workers";
}
