using System.Text.Json.Serialization;
using Twa.Kubernetes.Serialization;

namespace Twa.Kubernetes.Models;

/// <summary>coordination.k8s.io/v1 LeaseSpec; times are MicroTime.</summary>
public sealed class V1LeaseSpec
{
    public string? HolderIdentity { get; set; }

    public int? LeaseDurationSeconds { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    public int? LeaseTransitions { get; set; }
}
