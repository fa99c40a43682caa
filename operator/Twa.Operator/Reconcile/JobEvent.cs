namespace Twa.Operator.Reconcile;

/// <summary>An Event to record on the TwaJob (involvedObject = the job). Condition transitions use the
/// condition's reason; the caller aggregates repeats by a stable hash of (type, reason, message).</summary>
/// <param name="Type">Normal or Warning.</param>
/// <param name="Reason">CamelCase reason (e.g. MemberFailed, TrainerCompleted).</param>
/// <param name="Message">Human-readable message; names the pod when one is concerned.</param>
public sealed record JobEvent(EventType Type, string Reason, string Message);
