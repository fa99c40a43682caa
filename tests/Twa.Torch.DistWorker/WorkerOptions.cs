using System.Globalization;

namespace Twa.Torch.DistWorker;

/// <summary>
/// The worker's command line. <see cref="Port"/> 0 on the store host (rank 0) picks a free port, printed as
/// <c>STORE_PORT p</c> before the group is joined.
/// </summary>
/// <param name="Scenario">"collectives" or "failover".</param>
/// <param name="Rank">This worker's rank.</param>
/// <param name="Size">Group size.</param>
/// <param name="Port">Store port (rank 0 hosts the store).</param>
/// <param name="TimeoutMs">Collective timeout of the groups.</param>
/// <param name="Victim">failover: the rank that stops taking part after the first collective.</param>
public sealed record WorkerOptions(string Scenario, int Rank, int Size, int Port, int TimeoutMs = 4000, int Victim = -1)
{
    public const string Host = "127.0.0.1";

    /// <summary>The store timeout: long enough for slow process starts, unlike the collective timeout.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> ToArguments() =>
    [
        "--scenario", Scenario,
        "--rank", Str(Rank),
        "--size", Str(Size),
        "--port", Str(Port),
        "--timeout-ms", Str(TimeoutMs),
        "--victim", Str(Victim),
    ];

    public static WorkerOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            map[args[i]] = args[i + 1];
        }

        int Int(string key, int fallback) => map.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new WorkerOptions(
            map.TryGetValue("--scenario", out var s) ? s : throw new ArgumentException("--scenario is required", nameof(args)),
            Int("--rank", -1),
            Int("--size", -1),
            Int("--port", -1),
            Int("--timeout-ms", 4000),
            Int("--victim", -1));
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);
}
