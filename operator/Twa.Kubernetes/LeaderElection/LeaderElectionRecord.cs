namespace Twa.Kubernetes.LeaderElection;

/// <summary>What a lock stores: who holds leadership, for how long, and since when (client-go's LeaderElectionRecord).</summary>
/// <param name="HolderIdentity">The holder, or empty when released.</param>
/// <param name="LeaseDurationSeconds">How long others must wait, from their own observation of a change, before taking over.</param>
/// <param name="AcquireTime">When the holder acquired leadership.</param>
/// <param name="RenewTime">When the holder last renewed (informational: expiry is judged by local observation time).</param>
/// <param name="LeaderTransitions">How many times the holder changed.</param>
public sealed record LeaderElectionRecord(
    string HolderIdentity,
    int LeaseDurationSeconds,
    DateTimeOffset? AcquireTime,
    DateTimeOffset? RenewTime,
    int LeaderTransitions);
