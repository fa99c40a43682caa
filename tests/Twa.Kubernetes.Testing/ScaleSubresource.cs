namespace Twa.Kubernetes.Testing;

/// <summary>The CRD scale subresource mapping (JSON paths as in the CRD, e.g. <c>.spec.replicas</c>).</summary>
/// <param name="SpecReplicasPath">Desired replicas; a missing value makes GET /scale fail, as on a real server.</param>
/// <param name="StatusReplicasPath">Observed replicas (0 when absent).</param>
/// <param name="LabelSelectorPath">String label selector for the HPA, or null.</param>
public sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);
