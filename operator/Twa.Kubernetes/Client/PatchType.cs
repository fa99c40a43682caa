namespace Twa.Kubernetes.Client;

/// <summary>PATCH content types. Strategic merge is deliberately absent: custom resources reject it (415).</summary>
public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch, <c>application/merge-patch+json</c>.</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch, <c>application/json-patch+json</c>.</summary>
    Json,

    /// <summary>Server-side apply, <c>application/apply-patch+yaml</c> (JSON is valid YAML); needs a field manager.</summary>
    Apply,
}
