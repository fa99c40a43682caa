namespace Twa.Jobs.Operator;

/// <summary>Condition types and reasons of OPERATOR.md section 2.4 (one vocabulary for the operator, tests and
/// the State printer column, which reads the Running condition's reason).</summary>
public static class TwaJobConditions
{
    public const string Running = "Running";
    public const string Reconfiguring = "Reconfiguring";
    public const string ScalingLimited = "ScalingLimited";
    public const string Suspended = "Suspended";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    /// <summary>Every condition type, in the order they are initialised on the first reconcile.</summary>
    public static IReadOnlyList<string> All { get; } = [Running, Reconfiguring, ScalingLimited, Suspended, Succeeded, Failed];

    /// <summary>Label selector of a job's worker pods (status.selector).</summary>
    public static string WorkerSelector(string jobName) => $"twa.dev/job-name={jobName},twa.dev/role=worker";
}
