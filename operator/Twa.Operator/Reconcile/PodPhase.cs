namespace Twa.Operator.Reconcile;

/// <summary>A pod's <c>status.phase</c>.</summary>
public enum PodPhase { Pending, Running, Succeeded, Failed, Unknown }
