namespace Twa.Jobs.Operator.Schema;

/// <summary>The root type of a custom resource: group, version, kind, plural name and scope of its CRD.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityAttribute(string group, string version, string kind, string plural) : Attribute
{
    public string Group { get; } = group;
    public string Version { get; } = version;
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public bool Namespaced { get; init; } = true;
}
