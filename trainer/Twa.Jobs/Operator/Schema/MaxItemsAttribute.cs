namespace Twa.Jobs.Operator.Schema;

/// <summary>Upper bound on a list's length in the CRD schema (<c>maxItems</c>); bounds CEL cost and object size.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int maxItems) : Attribute
{
    public int MaxItems { get; } = maxItems;
}
