namespace Twa.Cli.Tests;

/// <summary>The tests that start several `twa worker` processes run one after another: in parallel they would compete
/// for the few cores of a CI machine and time out for no fault of the code. The in-process benches run here too, and so
/// does the test that changes this process's thread pools, which they time. The collection also runs alone, after the
/// test classes that run in parallel: a bench that times single steps while `twa` processes of other tests start beside
/// it measures them, not itself (the quick TWA step bench once timed 2 of its 3 SGD steps at 2.3x the TWA steps).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalWorkers
{
    public const string Name = "local workers";
}
