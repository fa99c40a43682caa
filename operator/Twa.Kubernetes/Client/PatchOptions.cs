namespace Twa.Kubernetes.Client;

/// <summary>Query of a PATCH: the field manager (required for apply) and whether apply forces conflicts.</summary>
/// <param name="FieldManager">Manager name, e.g. <c>twa-operator</c>.</param>
/// <param name="Force">Take ownership of conflicting fields (controllers should, for apply).</param>
public sealed record PatchOptions(string? FieldManager = null, bool Force = false);
