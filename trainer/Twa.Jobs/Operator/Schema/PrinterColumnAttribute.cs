namespace Twa.Jobs.Operator.Schema;

/// <summary>An <c>additionalPrinterColumns</c> entry (<c>kubectl get</c>); priority 1 shows only with <c>-o wide</c>.
/// Columns keep declaration order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public int Priority { get; init; }
    public string? Description { get; init; }
}
