using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Twa.Kubernetes.Models;

/// <summary>metav1.ObjectMeta: the fields the operator reads or writes; others round-trip via <see cref="ExtensionData"/>.</summary>
public sealed class V1ObjectMeta
{
    public string? Name { get; set; }

    public string? GenerateName { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    /// <summary>Opaque version for optimistic concurrency; send it back on update to get 409 on a stale write.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Bumped by the server on spec changes only (not metadata or status).</summary>
    public long? Generation { get; set; }

    public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>Set by the server when deletion was requested while finalizers remain.</summary>
    public DateTimeOffset? DeletionTimestamp { get; set; }

    public long? DeletionGracePeriodSeconds { get; set; }

    public IDictionary<string, string>? Labels { get; set; }

    public IDictionary<string, string>? Annotations { get; set; }

    public IList<string>? Finalizers { get; set; }

    public IList<V1OwnerReference>? OwnerReferences { get; set; }

    /// <summary>Server-side apply bookkeeping, passed through untouched.</summary>
    public JsonArray? ManagedFields { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
