using System.Text.Json.Serialization;
using Twa.Kubernetes.Serialization;

namespace Twa.Kubernetes.Models;

/// <summary>core/v1 Event. Repeats are aggregated client-side by bumping <see cref="Count"/> and <see cref="LastTimestamp"/>.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Event", PluralName = "events")]
public sealed class V1Event : KubernetesObject
{
    public V1ObjectReference InvolvedObject { get; set; } = new();

    /// <summary>Unique CamelCase reason, e.g. <c>ScaledUp</c>.</summary>
    public string? Reason { get; set; }

    public string? Message { get; set; }

    /// <summary>Normal or Warning.</summary>
    public string? Type { get; set; }

    public int? Count { get; set; }

    public DateTimeOffset? FirstTimestamp { get; set; }

    public DateTimeOffset? LastTimestamp { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }

    public V1EventSource? Source { get; set; }

    public string? ReportingComponent { get; set; }

    public string? ReportingInstance { get; set; }

    public string? Action { get; set; }
}
