namespace Twa.Jobs.Operator.Schema;

/// <summary>The object is relayed as-is: the CRD schema marks it <c>x-kubernetes-preserve-unknown-fields</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;
