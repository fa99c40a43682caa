using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Maintains the six conditions of OPERATOR.md 2.4 for one reconcile: all are present after
/// <see cref="ConditionWriter(IEnumerable{V1Condition}, long, DateTimeOffset, List{JobEvent})"/>, every write stamps
/// observedGeneration, lastTransitionTime moves only when the status flips (or on <see cref="RestartClock"/>), and a change of status or reason
/// records an Event with the same reason. Not thread-safe (one reconcile).</summary>
internal sealed class ConditionWriter
{
    private readonly Dictionary<string, V1Condition> _conditions = new(StringComparer.Ordinal);
    private readonly long _generation;
    private readonly DateTimeOffset _now;
    private readonly List<JobEvent> _events;

    public ConditionWriter(IEnumerable<V1Condition> existing, long generation, DateTimeOffset now, List<JobEvent> events)
    {
        _generation = generation;
        _now = now;
        _events = events;
        foreach (var c in existing)
        {
            _conditions[c.Type] = c;
        }

        Init(TwaJobConditions.Running, TwaJobReasons.Pending, "no membership generation published yet");
        Init(TwaJobConditions.Reconfiguring, TwaJobReasons.Stable, "no reconfiguration in progress");
        Init(TwaJobConditions.ScalingLimited, TwaJobReasons.AsRequested, "the world size follows spec.replicas");
        Init(TwaJobConditions.Suspended, TwaJobReasons.NotSuspended, "the job is not suspended");
        Init(TwaJobConditions.Succeeded, TwaJobReasons.NotCompleted, "rank 0 has not reported completion");
        Init(TwaJobConditions.Failed, TwaJobReasons.NotFailed, "the job has not failed");
    }

    public V1Condition Get(string type) => _conditions[type];

    public bool IsTrue(string type) => _conditions[type].Status == ConditionStatus.True;

    /// <summary>True once Succeeded or Failed is True (terminal; never undone).</summary>
    public bool IsTerminal => IsTrue(TwaJobConditions.Succeeded) || IsTrue(TwaJobConditions.Failed);

    /// <summary>Sets a condition; Warning Events for failures, limits and unavailability, Normal otherwise.</summary>
    public void Set(string type, ConditionStatus status, string reason, string message)
    {
        var old = _conditions[type];
        var flipped = old.Status != status;
        _conditions[type] = old with
        {
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = _generation,
            LastTransitionTime = flipped ? _now : old.LastTransitionTime,
        };
        if (flipped || old.Reason != reason)
        {
            _events.Add(new JobEvent(IsWarning(type, status, reason) ? EventType.Warning : EventType.Normal, reason, $"{type}={status}: {message}"));
        }
    }

    /// <summary>Moves the lastTransitionTime of <paramref name="type"/> to now although its status stays: a wait
    /// measured from it (the minReplicas timeout from Running=False) starts again, e.g. when the store came back.</summary>
    public void RestartClock(string type) => _conditions[type] = _conditions[type] with { LastTransitionTime = _now };

    /// <summary>The conditions in the order of <see cref="TwaJobConditions.All"/>, then any others the object had.</summary>
    public V1Condition[] ToArray() =>
        [.. TwaJobConditions.All.Select(t => _conditions[t]), .. _conditions.Values.Where(c => !TwaJobConditions.All.Contains(c.Type))];

    private void Init(string type, string reason, string message)
    {
        if (_conditions.TryGetValue(type, out var c))
        {
            _conditions[type] = c with { ObservedGeneration = _generation };
            return;
        }

        var status = type == TwaJobConditions.Running ? ConditionStatus.Unknown : ConditionStatus.False;
        _conditions[type] = new V1Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = _generation,
            LastTransitionTime = _now,
        };
    }

    private static bool IsWarning(string type, ConditionStatus status, string reason) => (type, status) switch
    {
        (TwaJobConditions.Failed, ConditionStatus.True) => true,
        (TwaJobConditions.ScalingLimited, ConditionStatus.True) => true,
        (TwaJobConditions.Running, ConditionStatus.False) => reason is TwaJobReasons.StoreUnavailable or TwaJobReasons.WaitingForMinReplicas,
        (TwaJobConditions.Reconfiguring, ConditionStatus.True) => reason is TwaJobReasons.MemberFailed or TwaJobReasons.MemberPreempted,
        _ => false,
    };
}
