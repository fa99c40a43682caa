namespace Twa.Jobs.Operator.Schema;

/// <summary>Enables the <c>/scale</c> subresource with these JSON paths (<c>kubectl scale</c>, HPA).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ScaleSubresourceAttribute(string specReplicasPath, string statusReplicasPath, string labelSelectorPath) : Attribute
{
    public string SpecReplicasPath { get; } = specReplicasPath;
    public string StatusReplicasPath { get; } = statusReplicasPath;
    public string LabelSelectorPath { get; } = labelSelectorPath;
}
