namespace Twa.Jobs.Operator.Schema;

/// <summary>A CEL rule of the CRD schema (<c>x-kubernetes-validations</c>) on the annotated type or property.
/// A rule that reads <c>oldSelf</c> is a transition rule (checked on update only).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;
    public string Message { get; } = message;
}
