using Twa.Jobs.Operator.Schema;

namespace Twa.Jobs.Operator;

/// <summary><c>onExitCodes</c> of a failure-policy rule: matches a terminated container's exit code.</summary>
public sealed record ExitCodesMatch
{
    public const int MaxValues = 255;

    /// <summary>Container whose exit code is checked; unset = any container.</summary>
    [MaxLength(63)]
    public string? ContainerName { get; init; }

    /// <summary>In: the exit code is one of values; NotIn: it is none of them.</summary>
    [Required]
    public ExitCodeOperator Operator { get; init; } = ExitCodeOperator.In;

    /// <summary>Exit codes, without duplicates.</summary>
    [Required, MaxItems(MaxValues), ListType("set")]
    public int[] Values { get; init; } = [];
}
