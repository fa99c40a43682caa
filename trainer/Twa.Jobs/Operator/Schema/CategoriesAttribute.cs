namespace Twa.Jobs.Operator.Schema;

/// <summary>Categories of a custom resource (<c>kubectl get twa</c>); deliberately not <c>all</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CategoriesAttribute(params string[] categories) : Attribute
{
    public IReadOnlyList<string> Names { get; } = categories;
}
