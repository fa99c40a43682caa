namespace Twa.Jobs.Operator.Schema;

/// <summary>Upper bound on a string's length in the CRD schema (<c>maxLength</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(int maxLength) : Attribute
{
    public int MaxLength { get; } = maxLength;
}
