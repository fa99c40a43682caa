namespace Twa.Jobs.Operator.Schema;

/// <summary>OpenAPI <c>format</c> of a string field (e.g. <c>date-time</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}
