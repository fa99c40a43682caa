namespace Twa.Jobs.Operator.Schema;

/// <summary>The enum is written in Kubernetes style: its values are the member names as declared
/// (<c>FailJob</c>, <c>NotIn</c>). Enums without it are written in lower case (<c>sgd</c>, <c>adamw</c>),
/// the spelling of DESIGN.md section 9. The binder accepts either case; the CRD schema lists these spellings.</summary>
[AttributeUsage(AttributeTargets.Enum)]
public sealed class KubernetesEnumAttribute : Attribute;
