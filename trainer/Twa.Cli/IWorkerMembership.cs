using Twa.Torch.Distributed;
using Twa.Training.Distributed;

namespace Twa.Cli;

/// <summary>
/// The membership authority as one elastic worker sees it (OPERATOR.md 4.3): the local launcher's record
/// (<see cref="LocalWorkerMembership"/>) or the operator's record in Redis (<see cref="PodWorkerMembership"/>).
/// <see cref="ElasticWorker"/> runs the same protocol over either. Called from the worker's thread only.
/// </summary>
internal interface IWorkerMembership
{
    /// <summary>The newest generation number (0 before any); called after every step, so it must be cheap.</summary>
    int Latest { get; }

    /// <summary>The address this rank's Gloo transport binds to and advertises.</summary>
    string BindAddress { get; }

    /// <summary>Blocks until a generation newer than <paramref name="after"/> is published.</summary>
    /// <exception cref="TimeoutException">The authority's wait limit passed (local launcher only).</exception>
    MembershipGeneration WaitNewer(int after);

    /// <summary>Rendezvous of <paramref name="g"/> before its group forms; false when it did not complete (a newer
    /// generation, or not every member joined in time), in which case the worker waits for the next generation.</summary>
    bool Join(MembershipGeneration g, int rank);

    /// <summary>The c10d store of <paramref name="g"/>: rank 0 hosts it (the returned store, owned by the caller),
    /// every rank connects to <paramref name="host"/>:<paramref name="port"/>.</summary>
    TcpStore? OpenStore(MembershipGeneration g, int rank, out string host, out int port);

    /// <summary>Rank 0, after each step (<paramref name="first"/> for the generation's first).</summary>
    void Stepped(MembershipGeneration g, string phase, long step, bool first);

    /// <summary>Rank 0, once the job's outputs are written.</summary>
    void Completed(MembershipGeneration g, string outputDirectory);

    /// <summary>Whether every rank meets at a barrier before exiting after the job (pods: rank 0's result is stored
    /// before any member exits).</summary>
    bool ExitBarrier { get; }
}
