using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary>A key of a Secret in the job's namespace (as a container's <c>secretKeyRef</c>).</summary>
public sealed record SecretKeyRef
{
    /// <summary>Name of the Secret.</summary>
    [Required, MaxLength(253)]
    public string Name { get; init; } = "";

    /// <summary>Key within the Secret.</summary>
    [Required, MaxLength(253)]
    public string Key { get; init; } = "";
}
