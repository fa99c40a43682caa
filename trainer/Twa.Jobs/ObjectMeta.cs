namespace Twa.Jobs;

/// <summary>The part of Kubernetes' ObjectMeta a TwaJob file carries.</summary>
public sealed record ObjectMeta
{
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
    public string? Uid { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
