using System.Text.Json.Nodes;

namespace Twa.Jobs.Operator;

/// <summary>Semantic checks of the operator-owned part of a TwaJob spec (OPERATOR.md section 2.2): each problem
/// names the field and the fix. Run by <see cref="TwaJobValidator.Validate"/>; the operator runs it again on
/// every object it reads (the CRD's CEL rules cannot see inside <c>template</c>). Thread-safe (no state).</summary>
public static class OperatorSpecValidator
{
    /// <summary>Name of the container the operator runs <c>twa worker</c> in.</summary>
    public const string TrainerContainerName = "trainer";

    /// <summary>Problems of <paramref name="spec"/>, as "field: message" lines; fields are prefixed by <paramref name="path"/>.</summary>
    public static IReadOnlyList<string> Validate(TwaJobSpec spec, string path = "spec")
    {
        ArgumentNullException.ThrowIfNull(spec);
        var p = new List<string>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                p.Add($"{path}.{field}: {message}");
            }
        }

        Check(spec.Replicas is >= 0 and <= ElasticSpec.MaxReplicasLimit, "replicas", $"must be in [0, {ElasticSpec.MaxReplicasLimit}] (0 suspends the job)");
        if (spec.Elastic is { } e)
        {
            Check(e.MinReplicas >= 1, "elastic.minReplicas", "must be >= 1 (training runs only with at least this many workers)");
            Check(e.MaxReplicas >= e.MinReplicas, "elastic.maxReplicas",
                $"must be >= elastic.minReplicas ({e.MinReplicas}); raise maxReplicas or lower minReplicas");
            Check(e.MaxReplicas <= ElasticSpec.MaxReplicasLimit, "elastic.maxReplicas", $"must be <= {ElasticSpec.MaxReplicasLimit}");
            Check(spec.Replicas == 0 || (spec.Replicas >= e.MinReplicas && spec.Replicas <= e.MaxReplicas), "replicas",
                $"{spec.Replicas} is outside elastic [{e.MinReplicas}, {e.MaxReplicas}]; set replicas within the range (or 0 to suspend)");
            Check(e.ScaleCooldownSeconds >= 0, "elastic.scaleCooldownSeconds", "must be >= 0");
            Check(e.PendingTimeoutSeconds >= 1, "elastic.pendingTimeoutSeconds", "must be >= 1");
            Check(e.RendezvousTimeoutSeconds >= 1, "elastic.rendezvousTimeoutSeconds", "must be >= 1");
            Check(e.MinReplicasTimeoutSeconds >= 0, "elastic.minReplicasTimeoutSeconds", "must be >= 0 (0 = wait forever)");
            Check(e.CollectiveTimeoutSeconds >= 1, "elastic.collectiveTimeoutSeconds", "must be >= 1");
        }

        if (spec.Redis is { } r)
        {
            Check(r.Address is null || IsHostPort(r.Address), "redis.address", $"'{r.Address}' is not host:port (e.g. redis.ml.svc:6379)");
            Check(r.Database >= 0, "redis.database", "must be >= 0");
            if (r.PasswordSecretRef is { } s)
            {
                Check(s.Name.Length > 0, "redis.passwordSecretRef.name", "required: the name of the Secret holding the password");
                Check(s.Key.Length > 0, "redis.passwordSecretRef.key", "required: the key of the password within the Secret");
            }
        }

        ValidateFailurePolicy(spec.FailurePolicy, Check);

        var run = spec.RunPolicy;
        Check(run.ActiveDeadlineSeconds is null or >= 1, "runPolicy.activeDeadlineSeconds", "must be >= 1 (or unset for no deadline)");
        Check(run.TtlSecondsAfterFinished is null or >= 0, "runPolicy.ttlSecondsAfterFinished", "must be >= 0 (or unset to keep the job)");
        Check(run.FailedPodHistoryLimit >= 0, "runPolicy.failedPodHistoryLimit", "must be >= 0");
        Check(spec.Monitoring.Port is >= 1 and <= 65535, "monitoring.port", "must be a port number in [1, 65535]");

        if (spec.Template is { } t)
        {
            foreach (var (field, message) in ValidateTemplate(t))
            {
                Check(false, field.Length == 0 ? "template" : $"template.{field}", message);
            }
        }

        return p;
    }

    /// <summary>Problems of a PodTemplateSpec as (field relative to the template, message).</summary>
    public static IReadOnlyList<(string Field, string Message)> ValidateTemplate(JsonObject template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var p = new List<(string, string)>();
        if (template["spec"] is not JsonObject podSpec)
        {
            p.Add(("spec", $"required: a pod spec with a container named '{TrainerContainerName}'"));
            return p;
        }

        if (podSpec["containers"] is not JsonArray containers)
        {
            p.Add(("spec.containers", $"required: a list with a container named '{TrainerContainerName}'"));
        }
        else if (!containers.Any(c => c is JsonObject o && o["name"] is JsonValue v && v.TryGetValue<string>(out var n) && n == TrainerContainerName))
        {
            p.Add(("spec.containers", $"no container named '{TrainerContainerName}'; name the container that runs twa worker '{TrainerContainerName}'"));
        }

        if (podSpec["restartPolicy"] is { } restart && !(restart is JsonValue rv && rv.TryGetValue<string>(out var policy) && policy == "Never"))
        {
            p.Add(("spec.restartPolicy", $"'{restart.ToJsonString()}' is not allowed; remove it or use Never (the operator replaces failed pods itself)"));
        }

        foreach (var field in new[] { "hostname", "subdomain" })
        {
            if (podSpec[field] is not null)
            {
                p.Add(($"spec.{field}", "is set by the operator (stable per-ordinal DNS names); remove it"));
            }
        }

        return p;
    }

    private static void ValidateFailurePolicy(FailurePolicySpec f, Action<bool, string, string> check)
    {
        check(f.MaxRestarts >= 0, "failurePolicy.maxRestarts", "must be >= 0");
        check(f.BackoffSeconds >= 0, "failurePolicy.backoffSeconds", "must be >= 0");
        check(f.MaxBackoffSeconds >= f.BackoffSeconds, "failurePolicy.maxBackoffSeconds", $"must be >= backoffSeconds ({f.BackoffSeconds})");
        check(f.MemberLostTimeoutSeconds >= 1, "failurePolicy.memberLostTimeoutSeconds", "must be >= 1");
        check(f.Rules.Length <= FailurePolicySpec.MaxRules, "failurePolicy.rules",
            $"has {f.Rules.Length} rules; at most {FailurePolicySpec.MaxRules} are allowed");
        for (var i = 0; i < f.Rules.Length; i++)
        {
            var rule = f.Rules[i];
            var rp = $"failurePolicy.rules[{i}]";
            check((rule.OnExitCodes is null) != (rule.OnPodConditions is null), rp, "give exactly one of onExitCodes or onPodConditions");
            if (rule.OnExitCodes is { } codes)
            {
                check(codes.Values.Length is >= 1 and <= ExitCodesMatch.MaxValues, $"{rp}.onExitCodes.values",
                    $"must list 1 to {ExitCodesMatch.MaxValues} exit codes");
                check(codes.Values.Distinct().Count() == codes.Values.Length, $"{rp}.onExitCodes.values", "lists an exit code twice");
                check(codes.Operator != ExitCodeOperator.In || !codes.Values.Contains(0), $"{rp}.onExitCodes.values",
                    "0 cannot be a failure with operator In (exit 0 is not a failure); remove it");
            }

            if (rule.OnPodConditions is { } conditions)
            {
                check(conditions.Length is >= 1 and <= FailurePolicyRule.MaxPodConditions, $"{rp}.onPodConditions",
                    $"must list 1 to {FailurePolicyRule.MaxPodConditions} conditions");
                for (var j = 0; j < conditions.Length; j++)
                {
                    check(conditions[j].Type.Length > 0, $"{rp}.onPodConditions[{j}].type", "required: a pod condition type such as DisruptionTarget");
                }
            }
        }
    }

    private static bool IsHostPort(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && !address.Contains("://", StringComparison.Ordinal)
            && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535;
    }
}
