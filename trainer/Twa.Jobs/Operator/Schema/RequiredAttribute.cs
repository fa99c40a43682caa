namespace Twa.Jobs.Operator.Schema;

/// <summary>The field must be present in the CRD schema (OpenAPI <c>required</c>). The YAML binder does not
/// enforce it; semantic checks live in <see cref="TwaJobValidator"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;
