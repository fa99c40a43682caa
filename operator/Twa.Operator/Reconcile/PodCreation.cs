using System.Text.Json.Nodes;

namespace Twa.Operator.Reconcile;

/// <summary>A worker pod to POST. The name is deterministic, so a 409 AlreadyExists means it was already created.
/// <see cref="Pod"/> is the complete object (apiVersion, kind, metadata, spec) and is owned by the caller.</summary>
public sealed record PodCreation(string Name, int Ordinal, JsonObject Pod);
