using System.Diagnostics;
using System.Globalization;
using Twa.Operator.Reconcile;
using Xunit.Abstractions;

namespace Twa.Operator.Tests.Host;

/// <summary>Reconcile-loop cost (issue 5 acceptance): 200 TwaJobs x 4 pods in the fake API server reconcile to steady
/// state (every job Running=True with a 4-member generation in Redis); prints reconciles/s, API requests per job and
/// memory. Filter with <c>--filter Category=Bench</c>.</summary>
public sealed class ReconcileBenchIntegrationTests(ITestOutputHelper output)
{
    private const int JobCount = 200;
    private const int PodsPerJob = 4;

    [Fact(Timeout = 300_000)]
    [Trait("Category", "Bench")]
    public async Task Run_200JobsOf4Pods_ReachSteadyStateAndReportCost()
    {
        await using var w = await OperatorWorld.StartAsync();
        var uids = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < JobCount; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"bench-{i:D3}");
            uids[name] = OperatorWorld.Uid(w.CreateJob(name, replicas: PodsPerJob, min: 1, max: PodsPerJob));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var host = w.StartHost("op-bench");
        await w.WaitUntilAsync(
            () => uids.All(kv => w.Membership(kv.Key, kv.Value) is { WorldSize: PodsPerJob }) && uids.Keys.All(j => w.ConditionIs(j, "Running", "True")),
            "every job Running with 4 members", 240);
        var elapsed = clock.Elapsed;
        var reconciles = host.Controller.Reconciles;
        var requests = w.ClientOf(host).Metrics.Snapshot();
        var total = requests.Where(r => r.Verb != "watch").Sum(r => r.Count);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var pods = w.Pods("bench-000").Count;

        // steady: a further second adds no pods and no generations
        var generations = uids.Sum(kv => w.Membership(kv.Key, kv.Value)!.Generation);
        await Task.Delay(1000);
        Assert.Equal(generations, uids.Sum(kv => w.Membership(kv.Key, kv.Value)!.Generation));
        Assert.Equal(PodsPerJob, pods);

        var lines = new[]
        {
            string.Create(CultureInfo.InvariantCulture, $"jobs={JobCount} podsPerJob={PodsPerJob} steadyStateSeconds={elapsed.TotalSeconds:F1}"),
            string.Create(CultureInfo.InvariantCulture, $"reconciles={reconciles} reconcilesPerSecond={reconciles / elapsed.TotalSeconds:F1} reconcilesPerJob={(double)reconciles / JobCount:F1}"),
            string.Create(CultureInfo.InvariantCulture, $"apiRequests={total} apiRequestsPerJob={(double)total / JobCount:F1} (watches excluded)"),
            string.Join(' ', requests.Where(r => r.Verb != "watch").GroupBy(r => $"{r.Verb} {r.Resource}").OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"[{g.Key}: {g.Sum(r => r.Count)}]"))),
            string.Create(CultureInfo.InvariantCulture, $"managedHeapGrowthMiB={(heapAfter - heapBefore) / 1048576.0:F1} (test process: operator caches + the fake server's {JobCount * PodsPerJob} pods) workingSetMiB={Environment.WorkingSet / 1048576.0:F0}"),
        };
        foreach (var line in lines)
        {
            output.WriteLine(line);
            Console.WriteLine("bench.operator " + line);
        }

        Assert.True(total / (double)JobCount < 60, $"API requests per job {total / (double)JobCount:F1} is above 60: {lines[3]}");
    }
}
