using Twa.Jobs;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>Step 1 of the reconcile: the checks of <see cref="TwaJobValidator"/> (spec ranges, template, training)
/// plus what only the operator knows: an effective Redis, a trainer image, an implemented gang scheduler.
/// Thread-safe (no state).</summary>
internal static class JobValidation
{
    /// <summary>Problems as "field: message" lines (empty = valid); <paramref name="redis"/> is the effective Redis.</summary>
    public static IReadOnlyList<string> Validate(ObservedTwaJob job, ReconcilerOptions options, out RedisSpec redis)
    {
        var spec = job.Job.Spec;
        var problems = job.BindProblems.Concat(TwaJobValidator.Validate(job.Job with
        {
            ApiVersion = V1Alpha1TwaJob.ApiVersionValue,
            Kind = V1Alpha1TwaJob.KindValue,
        })).ToList();
        redis = spec.Redis is { Address: not null } own ? own : MergeDefault(spec.Redis, options.DefaultRedis);
        if (redis.Address is null)
        {
            problems.Add("spec.redis.address: no Redis configured; set spec.redis.address (host:port) or install the operator chart with its bundled Redis");
        }

        if (spec.Template is null && options.DefaultTrainerImage is null)
        {
            problems.Add($"spec.template: required (this operator has no default trainer image); give a pod template with a container named '{WorkerPodBuilder.TrainerContainer}'");
        }

        if (spec.Scheduling.Gang != GangScheduler.None)
        {
            problems.Add($"spec.scheduling.gang: {spec.Scheduling.Gang} is not implemented yet; use None");
        }

        return problems;
    }

    private static RedisSpec MergeDefault(RedisSpec? own, RedisSpec? fallback) => fallback is null
        ? own ?? new RedisSpec()
        : fallback with
        {
            PasswordSecretRef = own?.PasswordSecretRef ?? fallback.PasswordSecretRef,
            Tls = (own?.Tls ?? false) || fallback.Tls,
            Database = own is { Database: > 0 } ? own.Database : fallback.Database,
        };
}
