namespace Twa.Jobs.Operator.Schema;

/// <summary><c>x-kubernetes-list-type</c> (<c>atomic</c>, <c>set</c> or <c>map</c>) and, for maps, the
/// <c>x-kubernetes-list-map-keys</c> that identify an item (server-side apply merges by them).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListTypeAttribute(string listType, params string[] mapKeys) : Attribute
{
    public string ListType { get; } = listType;
    public IReadOnlyList<string> MapKeys { get; } = mapKeys;
}
