namespace Twa.Kubernetes.LeaderElection;

/// <summary>
/// Lease-based leader election (a port of client-go's / the csharp client's LeaderElector). A candidate acquires the
/// lock when it is free, held by itself, or when the holder's record has not changed for the lease duration as
/// measured by this process's own clock since it observed the change (immune to clock skew between nodes). The
/// leader renews every retry period; if it cannot renew within the renew deadline it stops leading.
/// <see cref="IsLeader"/> is additionally bounded by time: it turns false once the last successful renewal is older
/// than the renew deadline, even while a renewal request hangs. Events are raised on the election loop's thread;
/// handlers must not block. <see cref="IsLeader"/> and <see cref="CurrentLeader"/> are thread-safe.
/// </summary>
public sealed class LeaderElector
{
    private readonly LeaderElectionConfig _config;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private LeaderElectionRecord? _observedRecord;
    private DateTimeOffset _observedTime;
    private DateTimeOffset _lastRenew;
    private bool _leading;
    private string? _reportedLeader;

    /// <param name="config">Lock and timing; validated here.</param>
    /// <param name="time">Clock; <see cref="TimeProvider.System"/> when null.</param>
    public LeaderElector(LeaderElectionConfig config, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised once when this candidate becomes leader.</summary>
    public event EventHandler? StartedLeading;

    /// <summary>Raised once when leadership ends (renewal failed, or the run was cancelled while leading).</summary>
    public event EventHandler? StoppedLeading;

    /// <summary>Raised when the observed holder changes (the new holder's identity; may be this candidate).</summary>
    public event EventHandler<string>? NewLeader;

    /// <summary>Whether this candidate leads now: it acquired the lock and renewed it within the renew deadline.</summary>
    public bool IsLeader()
    {
        lock (_gate)
        {
            return _leading && _time.GetUtcNow() - _lastRenew < _config.RenewDeadline;
        }
    }

    private bool IsFresh()
    {
        lock (_gate)
        {
            return _time.GetUtcNow() - _lastRenew < _config.RenewDeadline;
        }
    }

    /// <summary>The holder most recently observed in the lock, or null.</summary>
    public string? CurrentLeader
    {
        get
        {
            lock (_gate)
            {
                return _observedRecord?.HolderIdentity is { Length: > 0 } h ? h : null;
            }
        }
    }

    /// <summary>
    /// Campaigns until this candidate leads, then renews until leadership is lost or <paramref name="ct"/> is cancelled;
    /// returns after raising <see cref="StoppedLeading"/> (if it led). Throws <see cref="OperationCanceledException"/>
    /// only when cancelled before acquiring. The operator should exit when this returns.
    /// </summary>
    public async Task RunUntilLeadershipLostAsync(CancellationToken ct = default)
    {
        await AcquireAsync(ct).ConfigureAwait(false);
        lock (_gate)
        {
            _leading = true;
        }

        StartedLeading?.Invoke(this, EventArgs.Empty);
        try
        {
            await RenewLoopAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _leading = false;
            }

            if (ct.IsCancellationRequested && _config.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }

            StoppedLeading?.Invoke(this, EventArgs.Empty);
        }
    }

    private async Task AcquireAsync(CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (await TryAcquireOrRenewAsync(ct).ConfigureAwait(false) && IsFresh())
            {
                return;
            }

            // Not acquired, or acquired by an attempt so slow (longer than the renew deadline) that leadership cannot be
            // assumed for any time: try again (a renewal of our own record) before declaring leadership.

            var jitter = _config.RetryPeriod * (1 + (Random.Shared.NextDouble() * 1.2));
            await Task.Delay(jitter, _time, ct).ConfigureAwait(false);
        }
    }

    private async Task RenewLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_config.RetryPeriod, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Retry renewing until the renew deadline since the last success; each attempt is bounded by what is left.
            var renewed = false;
            while (!renewed && !ct.IsCancellationRequested)
            {
                var left = _config.RenewDeadline - (_time.GetUtcNow() - _lastRenew);
                if (left <= TimeSpan.Zero)
                {
                    return; // failed to renew in time: leadership is lost
                }

                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(left);
                try
                {
                    renewed = await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return; // cancelled, or the attempt outlived the renew deadline
                }

                if (!renewed)
                {
                    try
                    {
                        await Task.Delay(_config.RetryPeriod < left ? _config.RetryPeriod : left, _time, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
    }

    /// <summary>One round of client-go's tryAcquireOrRenew; failures of the API count as a lost round.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var identity = _config.Lock.Identity;
        var now = _time.GetUtcNow();
        var duration = (int)Math.Ceiling(_config.LeaseDuration.TotalSeconds);
        var desired = new LeaderElectionRecord(identity, duration, now, now, 0);
        try
        {
            var old = await _config.Lock.GetAsync(ct).ConfigureAwait(false);
            if (old is null)
            {
                if (!await _config.Lock.CreateAsync(desired, ct).ConfigureAwait(false))
                {
                    return false;
                }

                Observe(desired, now, renewed: true);
                return true;
            }

            Observe(old, now, renewed: false);
            DateTimeOffset observedTime;
            lock (_gate)
            {
                observedTime = _observedTime;
            }

            var heldByOther = old.HolderIdentity.Length > 0 && old.HolderIdentity != identity;
            if (heldByOther && observedTime + TimeSpan.FromSeconds(old.LeaseDurationSeconds) > now)
            {
                return false;
            }

            desired = old.HolderIdentity == identity
                ? desired with { AcquireTime = old.AcquireTime, LeaderTransitions = old.LeaderTransitions }
                : desired with { LeaderTransitions = old.LeaderTransitions + 1 };
            if (!await _config.Lock.UpdateAsync(desired, ct).ConfigureAwait(false))
            {
                return false;
            }

            Observe(desired, now, renewed: true);
            return true;
        }
        catch (Exception e) when (e is Client.KubernetesApiException or HttpRequestException or TimeoutException)
        {
            return false;
        }
    }

    private void Observe(LeaderElectionRecord record, DateTimeOffset now, bool renewed)
    {
        string? announce = null;
        lock (_gate)
        {
            if (_observedRecord != record)
            {
                _observedRecord = record;
                _observedTime = now;
            }

            if (renewed)
            {
                _lastRenew = now;
            }

            if (record.HolderIdentity.Length > 0 && record.HolderIdentity != _reportedLeader)
            {
                _reportedLeader = announce = record.HolderIdentity;
            }
        }

        if (announce is not null)
        {
            NewLeader?.Invoke(this, announce);
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_config.RenewDeadline);
        try
        {
            var current = await _config.Lock.GetAsync(timeout.Token).ConfigureAwait(false);
            if (current?.HolderIdentity == _config.Lock.Identity)
            {
                var now = _time.GetUtcNow();
                await _config.Lock.UpdateAsync(current with { HolderIdentity = "", LeaseDurationSeconds = 1, RenewTime = now }, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is Client.KubernetesApiException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // best effort: the lease then simply expires
        }
    }
}
