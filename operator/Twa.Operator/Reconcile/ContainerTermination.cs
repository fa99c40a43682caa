namespace Twa.Operator.Reconcile;

/// <summary>A container's <c>state.terminated</c> (or <c>lastState.terminated</c>): exit code, reason and the
/// termination message (for the trainer: the JSON of OPERATOR.md 4.4, at most 4096 bytes).</summary>
/// <param name="ExitCode">Process exit code (128 + signal for a signal).</param>
/// <param name="Reason">Kubelet reason, e.g. Completed, Error, OOMKilled.</param>
/// <param name="Message">Termination message; with FallbackToLogsOnError the log tail when the file is empty.</param>
/// <param name="FinishedAt">When the container exited.</param>
public sealed record ContainerTermination(int ExitCode, string? Reason = null, string? Message = null, DateTimeOffset? FinishedAt = null);
