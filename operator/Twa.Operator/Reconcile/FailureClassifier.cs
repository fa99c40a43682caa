using System.Globalization;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Applies <c>spec.failurePolicy.rules</c> to a lost pod (OPERATOR.md 3.4), Job-style: the first matching rule
/// wins, an unmatched failure is counted. <c>onPodConditions</c> matches a pod condition of that type and status
/// (e.g. DisruptionTarget=True: preemption, eviction, drain); <c>onExitCodes</c> matches the exit code of a terminated
/// container (the named one, or any); with NotIn exit code 0 never matches. Thread-safe (no state).</summary>
public static class FailureClassifier
{
    /// <summary>Classifies <paramref name="pod"/>; <paramref name="cause"/> describes how it was lost (used when no
    /// exit code or condition explains it, e.g. "NotReady for 75s").</summary>
    public static FailureClassification Classify(IReadOnlyList<FailurePolicyRule> rules, ObservedPod pod, string cause)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(pod);
        var exit = pod.Trainer?.Terminated?.ExitCode;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.OnPodConditions is { } conditions)
            {
                var hit = conditions.FirstOrDefault(c => pod.Conditions.Any(pc => pc.Type == c.Type && pc.Status == c.Status));
                if (hit is not null)
                {
                    return new(rule.Action, $"pod condition {hit.Type}={hit.Status} (failurePolicy.rules[{I(i)}]: {rule.Action})", exit);
                }
            }

            if (rule.OnExitCodes is { } codes)
            {
                foreach (var c in pod.Containers)
                {
                    if (c.Terminated is not { } t || (codes.ContainerName is { } n && n != c.Name))
                    {
                        continue;
                    }

                    var listed = codes.Values.Contains(t.ExitCode);
                    var match = codes.Operator == ExitCodeOperator.In ? listed : !listed && t.ExitCode != 0;
                    if (match)
                    {
                        return new(rule.Action, $"exit code {I(t.ExitCode)} of container {c.Name}{Detail(t)} (failurePolicy.rules[{I(i)}]: {rule.Action})",
                            t.ExitCode);
                    }
                }
            }
        }

        var trainer = pod.Trainer?.Terminated;
        var what = trainer is not null ? $"exit code {I(trainer.ExitCode)} of container {WorkerPodBuilder.TrainerContainer}{Detail(trainer)}" : cause;
        return new(FailureAction.Count, $"{what} (no rule matched: Count)", exit);
    }

    private static string Detail(ContainerTermination t)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(t.Reason))
        {
            parts.Add(t.Reason);
        }

        if (TrainerTermination.Parse(t.Message) is { Message: { Length: > 0 } m })
        {
            parts.Add(m);
        }

        return parts.Count == 0 ? "" : $" [{string.Join(": ", parts)}]";
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
