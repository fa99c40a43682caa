using Twa.Torch.Distributed;
using Twa.Training.Distributed;

namespace Twa.Cli;

/// <summary>A worker of `twa train --workers N`: the launcher's <see cref="LocalMembership"/> record in its TCPStore at
/// <paramref name="host"/>. Rank 0 hosts each generation's store on an ephemeral port and publishes it; rank 0
/// reports steps (the <c>--scale-at</c> clock), its first step per generation and completion. Owns the control store
/// connection.</summary>
internal sealed class LocalWorkerMembership(string host, int port, TimeSpan timeout, TimeSpan rendezvousTimeout) : IWorkerMembership, IDisposable
{
    private readonly TcpStore _control = new(host, port, isServer: false, -1, timeout);

    public int Latest => LocalMembership.Latest(_control);

    public string BindAddress => host;

    public bool ExitBarrier => false;

    public MembershipGeneration WaitNewer(int after) => LocalMembership.WaitNewer(_control, after, timeout);

    public bool Join(MembershipGeneration g, int rank) => true;

    public TcpStore? OpenStore(MembershipGeneration g, int rank, out string storeHost, out int storePort)
    {
        ArgumentNullException.ThrowIfNull(g);
        storeHost = host;
        if (rank != 0)
        {
            storePort = LocalMembership.StorePort(_control, g.Number);
            return null;
        }

        var hosted = new TcpStore(host, 0, isServer: true, g.WorldSize, rendezvousTimeout);
        LocalMembership.SetStorePort(_control, g.Number, hosted.Port);
        storePort = hosted.Port;
        return hosted;
    }

    public void Stepped(MembershipGeneration g, string phase, long step, bool first)
    {
        ArgumentNullException.ThrowIfNull(g);
        LocalMembership.ReportStep(_control, phase, step);
        if (first)
        {
            LocalMembership.MarkStepping(_control, g.Number);
        }
    }

    public void Completed(MembershipGeneration g, string outputDirectory) => LocalMembership.MarkCompleted(_control);

    public void Dispose() => _control.Dispose();
}
