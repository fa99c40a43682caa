using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>Which pods are deleted when a job finishes: all, those still running (default; frees GPUs), or none.</summary>
[KubernetesEnum]
public enum CleanPodPolicy { All, Running, None }
