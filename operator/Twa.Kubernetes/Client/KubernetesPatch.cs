using System.Text.Json.Nodes;
using Twa.Kubernetes.Serialization;

namespace Twa.Kubernetes.Client;

/// <summary>A PATCH body and its type. Immutable.</summary>
/// <param name="Type">The patch type (selects the Content-Type).</param>
/// <param name="Body">The serialized body.</param>
public sealed record KubernetesPatch(PatchType Type, string Body)
{
    /// <summary>The Content-Type header for <see cref="Type"/>.</summary>
    public string ContentType => Type switch
    {
        PatchType.Merge => "application/merge-patch+json",
        PatchType.Json => "application/json-patch+json",
        PatchType.Apply => "application/apply-patch+yaml",
        _ => throw new InvalidOperationException($"Unknown patch type {Type}."),
    };

    /// <summary>A JSON merge patch from a JSON tree (null members delete fields).</summary>
    public static KubernetesPatch Merge(JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return new(PatchType.Merge, patch.ToJsonString());
    }

    /// <summary>A JSON merge patch from an object serialized with the Kubernetes conventions (nulls omitted, so it cannot delete).</summary>
    public static KubernetesPatch Merge<T>(T patch) => new(PatchType.Merge, KubernetesJson.Serialize(patch));

    /// <summary>A JSON patch: an array of <c>{op, path, value|from}</c> operations.</summary>
    public static KubernetesPatch Json(JsonArray operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        return new(PatchType.Json, operations.ToJsonString());
    }

    /// <summary>A server-side apply body: the full intent of the field manager (apiVersion, kind, metadata.name and every owned field).</summary>
    public static KubernetesPatch Apply<T>(T intent) => new(PatchType.Apply, KubernetesJson.Serialize(intent));
}
