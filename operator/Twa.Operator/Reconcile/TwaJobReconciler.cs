using System.Globalization;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>
/// The reconcile of OPERATOR.md section 3 as a pure function: given the observed TwaJob, its pods and the membership
/// record, it returns the <see cref="ReconcileActions"/> that move the world towards the spec; it performs no I/O and
/// keeps no state between calls, so a fresh instance (operator restart, leader change) decides the same from the same
/// observation. Everything durable lives in the job's status (restart budget, counted pod UIDs, membership summary)
/// and in Redis. Thread-safe: calls may run concurrently for different jobs.
/// </summary>
public sealed class TwaJobReconciler
{
    /// <summary>The <see cref="PodDeletion.Reason"/> of the pods a deleted job removes before its Redis cleanup.</summary>
    public const string JobDeletedReason = "JobDeleted";

    /// <summary>How often a deleted job whose pods are still terminating is looked at again (pod events also wake it).</summary>
    private const int FinalizerRecheckSeconds = 5;

    private readonly ReconcilerOptions _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates a reconciler reading the time from <paramref name="clock"/> (<see cref="TimeProvider.System"/>
    /// in production, a manual clock in tests).</summary>
    public TwaJobReconciler(ReconcilerOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options;
        _clock = clock;
    }

    /// <summary>The Warning Event to record when the Redis cleanup of a deleted job failed (the finalizer stays).</summary>
    public static JobEvent RedisCleanupFailedEvent(string error) =>
        new(EventType.Warning, TwaJobReasons.RedisCleanupFailed,
            $"deleting the job's Redis keys failed: {error}; retrying. If the Redis is gone for good, annotate the job {TwaLabels.SkipRedisCleanup}=\"true\"");

    /// <summary>Decides the actions for one TwaJob.</summary>
    public ReconcileActions Reconcile(ObservedState observed)
    {
        ArgumentNullException.ThrowIfNull(observed);
        // Kubernetes times (metav1.Time) have whole seconds: decide with what the status will read back.
        var t = _clock.GetUtcNow();
        var now = new DateTimeOffset(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var job = observed.Job;
        if (job.DeletionTimestamp is not null)
        {
            return Finalize(observed);
        }

        var run = new ReconcileRun(observed, _options, now);
        var c = run.Conditions;

        // 1 validate (a terminal job stays as it ended, whatever its spec says now).
        if (!c.IsTerminal)
        {
            var problems = JobValidation.Validate(job, _options, out var redis);
            run.Redis = redis;
            if (problems.Count > 0)
            {
                Finish(run, TwaJobConditions.Failed, TwaJobReasons.InvalidSpec, string.Join("; ", problems));
            }
        }

        // 2 terminal
        if (c.IsTerminal)
        {
            return Terminal(run);
        }

        // The job is valid (so it has a Redis) and may publish from now on: its keys need the cleanup finalizer. A job
        // that failed validation before ever getting here has no keys, and its deletion must not wait for a cleanup.
        run.AddFinalizer = !job.Finalizers.Contains(TwaLabels.RedisCleanupFinalizer);

        // 3 suspend / resume
        if (run.Spec.RunPolicy.Suspend || run.Spec.Replicas == 0)
        {
            Suspension.Suspend(run);
            Summarize(run);
            run.RetryWithBackoff = !observed.StoreAvailable;
            return run.Build();
        }

        if (c.IsTrue(TwaJobConditions.Suspended))
        {
            c.Set(TwaJobConditions.Suspended, ConditionStatus.False, TwaJobReasons.Resumed, "the job was resumed; startTime restarts");
            run.Status = run.Status with { StartTime = now };
        }

        // 4 start time and deadline
        run.Status = run.Status with { StartTime = run.Status.StartTime ?? now };
        if (run.Spec.RunPolicy.ActiveDeadlineSeconds is { } deadline)
        {
            var due = run.Status.StartTime!.Value.AddSeconds(deadline);
            if (now >= due)
            {
                Finish(run, TwaJobConditions.Failed, TwaJobReasons.DeadlineExceeded,
                    $"running since {run.Status.StartTime:O} exceeded runPolicy.activeDeadlineSeconds={deadline.ToString(CultureInfo.InvariantCulture)}");
                return Terminal(run);
            }

            run.WakeAt(due);
        }

        // Redis unreadable (unreachable, password Secret missing, record unparsable): the membership is unknown, so
        // nothing is decided from it - no failure counting, no generation, no pod changes, no minReplicas timer. Pods
        // keep the last generation; the caller retries with backoff.
        if (!observed.StoreAvailable)
        {
            ApplyChildren(run);
            c.Set(TwaJobConditions.Running, ConditionStatus.False, TwaJobReasons.StoreUnavailable,
                $"Redis at {run.Redis.Address} is unreachable or its membership record unreadable; pods keep the last generation, retrying");
            run.Status = run.Status with { Replicas = observed.Pods.Count(p => p.IsActive) };
            run.RetryWithBackoff = true;
            return run.Build();
        }

        // 6 completion (checked before failures: a rank exiting after rank 0's result is not a failure)
        if (Completion(run) is { } result)
        {
            run.Status = run.Status with { Result = result };
            Finish(run, TwaJobConditions.Succeeded, TwaJobReasons.TrainerCompleted, result.Message ?? "rank 0 reported completion");
            return Terminal(run);
        }

        // 5 failures
        if (FailureAccounting.Run(run) is { } failure)
        {
            Finish(run, TwaJobConditions.Failed, failure.Reason, failure.Message);
            return Terminal(run);
        }

        // 8 children (no gang scheduling yet: validation rejects it)
        ApplyChildren(run);

        // 7, 9, 10, 11
        // The minReplicas wait runs from Running's last transition to False; a store outage before it is no wait for
        // workers, so it starts again once the store is back (JobConditions restarts that condition's clock).
        var running = c.Get(TwaJobConditions.Running);
        var runningSince = running.Status == ConditionStatus.True || running.Reason == TwaJobReasons.StoreUnavailable ? now : running.LastTransitionTime;
        var plan = MembershipPlanner.Run(run);
        if (!plan.Finishing)
        {
            JobConditions.Update(run, plan); // while finishing, the conditions stay as they were until rank 0's exit
        }

        if (plan.WaitingForMin && run.Elastic.MinReplicasTimeoutSeconds > 0)
        {
            var since = runningSince > run.Status.StartTime!.Value ? runningSince : run.Status.StartTime!.Value;
            var due = since.AddSeconds(run.Elastic.MinReplicasTimeoutSeconds);
            if (now >= due)
            {
                Finish(run, TwaJobConditions.Failed, TwaJobReasons.MinReplicasUnavailable,
                    $"{plan.Candidates.ToString(CultureInfo.InvariantCulture)} of elastic.minReplicas={run.Min.ToString(CultureInfo.InvariantCulture)} workers available for elastic.minReplicasTimeoutSeconds={run.Elastic.MinReplicasTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}");
                return Terminal(run);
            }

            run.WakeAt(due);
        }

        Summarize(run);
        return run.Build();
    }

    /// <summary>The one terminal path (OPERATOR.md 3.2 finish): terminal condition, Running=False, completionTime,
    /// Events; the clean-pod policy and TTL follow in <see cref="Terminal"/>.</summary>
    private static void Finish(ReconcileRun run, string type, string reason, string message)
    {
        var c = run.Conditions;
        if (c.IsTerminal)
        {
            return;
        }

        c.Set(type, ConditionStatus.True, reason, message);
        c.Set(TwaJobConditions.Running, ConditionStatus.False, type, $"the job {(type == TwaJobConditions.Succeeded ? "succeeded" : "failed")}: {reason}");
        c.Set(TwaJobConditions.Reconfiguring, ConditionStatus.False, TwaJobReasons.Stable, "the job finished");
        run.Status = run.Status with { CompletionTime = run.Now };
    }

    /// <summary>Step 2: a finished job only applies its clean-pod policy (every reconcile, level-based) and its TTL.</summary>
    private static ReconcileActions Terminal(ReconcileRun run)
    {
        var policy = run.Spec.RunPolicy;
        run.ClearWakeUps();
        run.Creations.Clear(); // decided before a late finish (min-replicas timeout): a finished job creates nothing
        foreach (var pod in run.Observed.Pods)
        {
            if (policy.CleanPodPolicy == CleanPodPolicy.All || (policy.CleanPodPolicy == CleanPodPolicy.Running && !pod.IsFinished))
            {
                run.Delete(pod, "CleanPodPolicy");
            }
        }

        if (policy.TtlSecondsAfterFinished is { } ttl && run.Status.CompletionTime is { } done)
        {
            var due = done.AddSeconds(ttl);
            run.DeleteJob = run.Now >= due;
            run.WakeAt(due);
        }

        Summarize(run);
        return run.Build();
    }

    /// <summary>OPERATOR.md 3.5 finalizer: the job's pods are deleted first (a running pod's commit would re-create
    /// state keys after the cleanup), then, once no pod of the job is left, the Redis prefix is cleaned and only then the
    /// finalizer removed. The escape-hatch annotation, or a job without any Redis (nothing to clean), removes it at
    /// once.</summary>
    private ReconcileActions Finalize(ObservedState observed)
    {
        var job = observed.Job;
        if (!job.Finalizers.Contains(TwaLabels.RedisCleanupFinalizer))
        {
            return new ReconcileActions();
        }

        var prefix = WorkerPodBuilder.KeyPrefix(job.Namespace, job.Name, job.Uid);
        if (job.Job.Metadata.Annotations?.GetValueOrDefault(TwaLabels.SkipRedisCleanup) == "true")
        {
            return new ReconcileActions
            {
                RemoveFinalizer = true,
                Events = [new JobEvent(EventType.Warning, TwaJobReasons.RedisCleanupSkipped,
                    $"{TwaLabels.SkipRedisCleanup}=\"true\": the job's Redis keys ({prefix}*) are NOT deleted")],
            };
        }

        JobValidation.Validate(job, _options, out var redis);
        if (redis.Address is null)
        {
            return new ReconcileActions
            {
                RemoveFinalizer = true,
                Events = [new JobEvent(EventType.Normal, TwaJobReasons.RedisCleanupSkipped,
                    "the job names no Redis (and the operator has no default one): there are no keys to delete")],
            };
        }

        if (observed.Pods.Count > 0)
        {
            return new ReconcileActions
            {
                DeletePods = [.. observed.Pods.Where(p => p.DeletionTimestamp is null).OrderBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => new PodDeletion(p.Name, p.Uid, JobDeletedReason))],
                RequeueAfter = TimeSpan.FromSeconds(FinalizerRecheckSeconds),
            };
        }

        return new ReconcileActions
        {
            RemoveFinalizer = true,
            RedisCleanupKeyPrefix = prefix,
        };
    }

    /// <summary>rank 0's completion result: from rank 0 of the current generation, or from the pod that was rank 0 of
    /// the earlier generation its message names (<see cref="FailureAccounting.IsCompletion"/>).</summary>
    private static JobResultStatus? Completion(ReconcileRun run)
    {
        var m = run.Membership;
        if (m is null)
        {
            return null;
        }

        var pod = run.Observed.Pods.OrderBy(p => p.Ordinal).FirstOrDefault(p => FailureAccounting.IsCompletion(p, m));
        if (pod is null)
        {
            return null;
        }

        var t = TrainerTermination.Parse(pod.Trainer!.Terminated!.Message)!;
        return new JobResultStatus { Message = t.Message ?? "training completed", TestAccuracy = t.TestAccuracy };
    }

    private static void ApplyChildren(ReconcileRun run)
    {
        var service = JobChildren.Service(run.Job, run.Options);
        if (service.Hash != run.Observed.ServiceHash)
        {
            run.Apply.Add(service);
        }

        var configMap = JobChildren.ConfigMap(run.Job);
        if (configMap.Hash != run.Observed.ConfigMapHash)
        {
            run.Apply.Add(configMap);
        }
    }

    /// <summary>Step 11: replicas (non-terminal, not Terminating pods), readyReplicas (Ready members of the current
    /// generation) and the membership summary's readyTime.</summary>
    private static void Summarize(ReconcileRun run)
    {
        var m = run.Membership;
        var pods = run.Observed.Pods;
        run.Status = run.Status with
        {
            Replicas = pods.Count(p => p.IsActive),
            ReadyReplicas = m is null ? 0 : pods.Count(p => p.IsActive && p.Ready && m.Contains(p.Name)),
        };
    }
}
