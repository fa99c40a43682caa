namespace Twa.Kubernetes.LeaderElection;

/// <summary>
/// A lock object in the API server that holds a <see cref="LeaderElectionRecord"/> with optimistic concurrency:
/// updates are conditional on the version last read, so two candidates can never both win one round.
/// Implementations are used by one <see cref="LeaderElector"/> at a time (not thread-safe).
/// </summary>
public interface IResourceLock
{
    /// <summary>This candidate's identity (unique per process, e.g. the pod name).</summary>
    string Identity { get; }

    /// <summary>Reads the record (and remembers its version), or null when the lock object does not exist.</summary>
    Task<LeaderElectionRecord?> GetAsync(CancellationToken ct);

    /// <summary>Creates the lock object; false when someone else created it first.</summary>
    Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken ct);

    /// <summary>Replaces the record, conditional on the version last read; false on a conflict.</summary>
    Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken ct);

    /// <summary>A human-readable name of the lock, e.g. <c>leases/ns/name</c>.</summary>
    string Describe();
}
