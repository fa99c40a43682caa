using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>Settings of <see cref="TwaJobController"/>. Immutable.</summary>
public sealed record ControllerOptions
{
    /// <summary>Namespaces to watch; empty = all.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Concurrent reconciles (different keys).</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Every job is re-queued this often even without changes.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary><c>timeoutSeconds</c> of each watch.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>Reconcile retry policy (1 s doubling to 5 min, with jitter).</summary>
    public Backoff Retry { get; init; } = Backoff.Reconcile;

    public ReconcilerOptions Reconciler { get; init; } = new();

    /// <summary>Password of <see cref="ReconcilerOptions.DefaultRedis"/> (the chart's bundled Redis), so the operator
    /// needs no read access to that Secret in every namespace.</summary>
    public string? DefaultRedisPassword { get; init; }

    /// <summary>This replica's name (Event reportingInstance, Lease holder).</summary>
    public string Instance { get; init; } = Environment.MachineName;
}
