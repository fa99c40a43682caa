namespace Twa.Operator.Reconcile;

/// <summary>What the membership planner found, for the conditions of step 11.</summary>
internal sealed record PlanOutcome
{
    /// <summary>A new generation is needed but fewer than minReplicas candidates exist.</summary>
    public bool WaitingForMin { get; init; }

    /// <summary>A planned generation is held back by elastic.scaleCooldownSeconds.</summary>
    public bool CooldownBlocked { get; init; }

    /// <summary>A Pending pod was deleted after elastic.pendingTimeoutSeconds.</summary>
    public bool PendingTimedOut { get; init; }

    /// <summary>Members of the current generation reported completion (exit 0, <c>completed</c>) and no member failed:
    /// the job waits for rank 0's exit, with no generation, no pod creation and no minReplicas timer.</summary>
    public bool Finishing { get; init; }

    /// <summary>Number of candidates (healthy members + standbys - victims).</summary>
    public int Candidates { get; init; }
}
