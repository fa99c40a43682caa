using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Operator-wide settings of the reconciler (from the Helm values / command line). Immutable.</summary>
public sealed record ReconcilerOptions
{
    /// <summary>The Redis installed by the chart, used by jobs without <c>spec.redis.address</c>; null = none
    /// (such jobs fail with InvalidSpec).</summary>
    public RedisSpec? DefaultRedis { get; init; }

    /// <summary>Trainer image for jobs without <c>spec.template</c>; null = a template is required.</summary>
    public string? DefaultTrainerImage { get; init; }

    /// <summary>First port of the c10d store range; generation G uses <c>base + G mod 8</c>.</summary>
    public int DistBasePort { get; init; } = 29500;

    /// <summary>How long a drained or suspended member may take to see the new generation and exit on its own before
    /// it is deleted (seconds; like terminationGracePeriodSeconds).</summary>
    public int DrainGraceSeconds { get; init; } = 30;
}
