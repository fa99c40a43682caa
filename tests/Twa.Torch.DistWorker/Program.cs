using Twa.Torch.Distributed;

namespace Twa.Torch.DistWorker;

/// <summary>
/// Entry point: rank 0 hosts the TCPStore (printing <c>STORE_PORT p</c>), every rank joins a Gloo group on
/// loopback (<c>JOINED</c>) and runs the scenario. Exit code 0 = scenario finished (<c>DONE</c>), 1 = an
/// unexpected exception (<c>ERROR type message</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            var o = WorkerOptions.Parse(args);
            var store = new TcpStore(WorkerOptions.Host, o.Port, isServer: o.Rank == 0, o.Size, WorkerOptions.StoreTimeout);
            if (store.IsServer)
            {
                Output.Line("STORE_PORT", store.Port);
            }

            // Every rank arrives before the group forms: Gloo connects its mesh within the short collective
            // timeout, so on a loaded machine a rank still starting up must not eat into it.
            if (store.Add("arrived", 1) == o.Size)
            {
                store.Set("all-arrived", [1]);
            }

            store.Get("all-arrived");
            using var group = ProcessGroup.Create(
                store, o.Rank, o.Size, Backend.Gloo, TimeSpan.FromMilliseconds(o.TimeoutMs), WorkerOptions.Host);
            Output.Line("JOINED", o.Rank, o.Size);
            var code = o.Scenario switch
            {
                "collectives" => CollectivesScenario.Run(o, store, group),
                "failover" => FailoverScenario.Run(o, store, group),
                _ => throw new ArgumentException($"unknown scenario '{o.Scenario}'", nameof(args)),
            };
            store.Dispose();
            Output.Line("DONE");
            return code;
        }
#pragma warning disable CA1031 // The worker reports every failure to the test on stdout.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Output.Failure("ERROR", "main", e);
            return 1;
        }
    }
}
