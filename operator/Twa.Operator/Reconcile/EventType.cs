namespace Twa.Operator.Reconcile;

/// <summary>Kubernetes Event type.</summary>
public enum EventType { Normal, Warning }
