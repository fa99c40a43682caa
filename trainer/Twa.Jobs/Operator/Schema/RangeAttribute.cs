namespace Twa.Jobs.Operator.Schema;

/// <summary>Inclusive numeric bounds for the CRD schema (<c>minimum</c>/<c>maximum</c>); NaN = unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute : Attribute
{
    public double Minimum { get; init; } = double.NaN;
    public double Maximum { get; init; } = double.NaN;
}
