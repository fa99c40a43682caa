using System.Text.Json;
using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Serialization;

namespace Twa.Operator.Runtime;

/// <summary>A TwaJob as the client reads and writes it: metadata typed, <c>spec</c> and <c>status</c> kept as raw JSON
/// in <see cref="KubernetesObject.ExtensionData"/>, so a job whose spec does not bind still reaches the reconciler
/// (and fails with InvalidSpec) instead of breaking the watch. Not thread-safe; informer caches treat items as
/// immutable snapshots.</summary>
[KubernetesEntity(Group = V1Alpha1TwaJob.Group, ApiVersion = V1Alpha1TwaJob.Version, Kind = V1Alpha1TwaJob.KindValue, PluralName = "twajobs")]
public sealed class TwaJobResource : KubernetesObject
{
    /// <summary>The whole object as JSON (a new node owned by the caller).</summary>
    public JsonObject ToJsonObject() => JsonSerializer.SerializeToNode(this, KubernetesJson.Options)!.AsObject();

    /// <summary>The object <paramref name="json"/> describes.</summary>
    public static TwaJobResource FromJsonObject(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return json.Deserialize<TwaJobResource>(KubernetesJson.Options) ?? throw new JsonException("TwaJob JSON was null");
    }
}
