using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>spec.monitoring</c>: the workers' Prometheus endpoint.</summary>
public sealed record MonitoringSpec
{
    public const int DefaultPort = 9400;

    /// <summary>Port of the container port named metrics that the operator injects (also /healthz, /readyz).</summary>
    [Range(Minimum = 1, Maximum = 65535)]
    public int Port { get; init; } = DefaultPort;
}
