using System.Net;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;
using Twa.Training.Runs;

namespace Twa.Cli;

/// <summary>
/// A worker pod (OPERATOR.md 4.3) against the operator's membership record in Redis (<see cref="RedisMembership"/>):
/// waits for generations without a limit (the operator decides about stragglers), marks its join of a generation and
/// waits up to the rendezvous timeout for every member's, hosts the generation's c10d store on rank 0 at the
/// record's endpoint (<c>TWA_DIST_BASE_PORT + G mod 8</c>), and on completion stores rank 0's metrics.json at
/// <c>&lt;prefix&gt;result</c> before the exit barrier. Owns the watcher, not the Redis connection.
/// </summary>
internal sealed class PodWorkerMembership : IWorkerMembership, IDisposable
{
    private readonly PodEnvironment _env;
    private readonly RedisMembership _watch;
    private readonly Action _heartbeat;

    public PodWorkerMembership(RedisMembership watch, PodEnvironment env, Action heartbeat)
    {
        _watch = watch ?? throw new ArgumentNullException(nameof(watch));
        _env = env ?? throw new ArgumentNullException(nameof(env));
        _heartbeat = heartbeat ?? throw new ArgumentNullException(nameof(heartbeat));
        BindAddress = env.HostOverride ?? Dns.GetHostName();
    }

    public int Latest => _watch.Latest;

    public string BindAddress { get; }

    public bool ExitBarrier => true;

    public MembershipGeneration WaitNewer(int after) => _watch.WaitNewer(after, null, _heartbeat);

    public bool Join(MembershipGeneration g, int rank)
    {
        ArgumentNullException.ThrowIfNull(g);
        _watch.MarkJoined(g.Number, rank, _env.PodName, _env.RendezvousTimeout + TimeSpan.FromMinutes(10));
        return _watch.WaitJoined(g, _env.RendezvousTimeout, _heartbeat);
    }

    public TcpStore? OpenStore(MembershipGeneration g, int rank, out string host, out int port)
    {
        ArgumentNullException.ThrowIfNull(g);
        host = _env.HostOverride ?? g.StoreHost ?? throw new InvalidOperationException($"generation {g.Number} names no store host");
        port = g.StorePort;
        return rank == 0 ? new TcpStore(BindAddress, port, isServer: true, g.WorldSize, _env.RendezvousTimeout) : null;
    }

    public void Stepped(MembershipGeneration g, string phase, long step, bool first)
    {
    }

    public void Completed(MembershipGeneration g, string outputDirectory) =>
        _watch.PutResult(File.ReadAllText(Path.Combine(outputDirectory, RunOutputs.MetricsFile)));

    public void Dispose() => _watch.Dispose();
}
