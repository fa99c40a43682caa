namespace Twa.Kubernetes.LeaderElection;

/// <summary>Timing of a <see cref="LeaderElector"/> (defaults as KubeOps/client-go: lease 15 s, renew deadline 10 s, retry 2 s).</summary>
public sealed record LeaderElectionConfig
{
    /// <param name="lock">The lock both candidates contend for.</param>
    public LeaderElectionConfig(IResourceLock @lock)
    {
        ArgumentNullException.ThrowIfNull(@lock);
        Lock = @lock;
    }

    public IResourceLock Lock { get; }

    /// <summary>How long non-leaders wait after last observing a change before taking over (whole seconds on the wire, at least 1).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a failed renewal before giving up leadership; must be below <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts (acquire attempts get up to 1.2x jitter on top).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On cancellation while leading, clear the holder so a successor need not wait for expiry.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> unless retry &lt; renew deadline &lt; lease duration.</summary>
    public void Validate()
    {
        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"LeaseDuration ({LeaseDuration}) must be greater than RenewDeadline ({RenewDeadline}).");
        }

        if (RenewDeadline <= RetryPeriod)
        {
            throw new ArgumentException($"RenewDeadline ({RenewDeadline}) must be greater than RetryPeriod ({RetryPeriod}).");
        }

        if (RetryPeriod <= TimeSpan.Zero || LeaseDuration < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("RetryPeriod must be positive and LeaseDuration at least 1 s (the Lease stores whole seconds).");
        }
    }
}
