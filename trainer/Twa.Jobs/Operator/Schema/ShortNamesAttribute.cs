namespace Twa.Jobs.Operator.Schema;

/// <summary>Short names of a custom resource (<c>kubectl get twj</c>).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ShortNamesAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}
