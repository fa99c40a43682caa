namespace Twa.Kubernetes.Models;

/// <summary>core/v1 ObjectReference (an Event's involvedObject).</summary>
public sealed class V1ObjectReference
{
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public string? Name { get; set; }

    public string? Namespace { get; set; }

    public string? Uid { get; set; }

    public string? ResourceVersion { get; set; }

    public string? FieldPath { get; set; }
}
