using Twa.Jobs;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>The working state of one reconcile: the observation, the status being built and the actions decided
/// so far. Created per call; not thread-safe.</summary>
internal sealed class ReconcileRun
{
    private readonly Dictionary<string, PodDeletion> _deletions = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _wakeUps = [];

    public ReconcileRun(ObservedState observed, ReconcilerOptions options, DateTimeOffset now)
    {
        Observed = observed;
        Options = options;
        Now = now;
        var status = observed.Job.Job.Status ?? new V1Alpha1TwaJobStatus();
        Status = status with
        {
            ObservedGeneration = observed.Job.Generation,
            Selector = TwaJobConditions.WorkerSelector(observed.Job.Name),
            Restarts = status.Restarts ?? new RestartsStatus(),
        };
        Conditions = new ConditionWriter(status.Conditions, observed.Job.Generation, now, Events);
        var m = observed.Membership;
        Membership = m is not null && m.JobUid == observed.Job.Uid ? m : null;
        if (Membership is { } current && Status.Membership?.Generation != current.Generation)
        {
            // The summary does not mirror Redis: the status is written before the publish, so a publish that failed
            // (or a crash in between) leaves it ahead; a status write lost otherwise leaves it behind. Resync it, and
            // remember a generation announced but never published: re-publishing it is no new reconfiguration.
            if (Status.Membership is { } ahead && ahead.Generation > current.Generation)
            {
                Unpublished = ahead;
            }

            Status = Status with
            {
                Membership = new MembershipStatus
                {
                    Generation = current.Generation,
                    WorldSize = current.WorldSize,
                    StoreEndpoint = current.Store?.ToString(),
                    Reason = current.Reason,
                    PublishedTime = current.PublishedTime,
                },
            };
        }
        var e = Spec.Elastic;
        Elastic = e ?? new ElasticSpec { MinReplicas = Math.Max(1, Spec.Replicas), MaxReplicas = Math.Max(1, Spec.Replicas) };
        Target = Math.Clamp(Spec.Replicas, Elastic.MinReplicas, Math.Max(Elastic.MinReplicas, Elastic.MaxReplicas));
    }

    public ObservedState Observed { get; }

    public ObservedTwaJob Job => Observed.Job;

    public TwaJobSpec Spec => Observed.Job.Job.Spec;

    public ReconcilerOptions Options { get; }

    public DateTimeOffset Now { get; }

    /// <summary>The status being built (starts as a copy of the observed one).</summary>
    public V1Alpha1TwaJobStatus Status { get; set; }

    public RestartsStatus Restarts
    {
        get => Status.Restarts!;
        set => Status = Status with { Restarts = value };
    }

    public ConditionWriter Conditions { get; }

    public List<JobEvent> Events { get; } = [];

    /// <summary>The effective elastic settings (min = max = replicas without spec.elastic).</summary>
    public ElasticSpec Elastic { get; }

    public int Min => Elastic.MinReplicas;

    /// <summary>clamp(spec.replicas, min, max).</summary>
    public int Target { get; }

    /// <summary>The effective Redis (the job's or the chart's); set by validation.</summary>
    public RedisSpec Redis { get; set; } = new();

    /// <summary>The current generation: the one read from Redis (with this job's UID), or the one published now.</summary>
    public MembershipRecord? Membership { get; set; }

    /// <summary>The generation published by this reconcile.</summary>
    public MembershipRecord? Published { get; set; }

    /// <summary>The membership summary of the observed status when it announced a newer generation than Redis holds
    /// (written, but its publish never happened).</summary>
    public MembershipStatus? Unpublished { get; }

    /// <summary>The store could not be read: after the actions, the caller re-queues with its per-key backoff.</summary>
    public bool RetryWithBackoff { get; set; }

    /// <summary>Names of pods that must not be (or stay) members: lost now or counted before.</summary>
    public HashSet<string> Unhealthy { get; } = new(StringComparer.Ordinal);

    /// <summary>The action of each unhealthy pod's classification (for the failure generation's reason).</summary>
    public Dictionary<string, FailureAction> UnhealthyActions { get; } = new(StringComparer.Ordinal);

    public List<PodCreation> Creations { get; } = [];

    /// <summary>Actions of the failures classified by this reconcile (metrics).</summary>
    public List<FailureAction> ClassifiedFailures { get; } = [];

    /// <summary>Publish-to-all-Ready duration of the current generation, when it became Ready now (metrics).</summary>
    public double? ReconfigurationSeconds { get; set; }

    public List<ChildObject> Apply { get; } = [];

    public bool AddFinalizer { get; set; }

    public bool DeleteJob { get; set; }

    public IReadOnlyCollection<PodDeletion> Deletions => _deletions.Values;

    public bool IsDeleted(ObservedPod pod) => _deletions.ContainsKey(pod.Uid);

    /// <summary>Deletes a pod once (the first reason wins); never one already Terminating.</summary>
    public void Delete(ObservedPod pod, string reason)
    {
        if (pod.DeletionTimestamp is null)
        {
            _deletions.TryAdd(pod.Uid, new PodDeletion(pod.Name, pod.Uid, reason));
        }
    }

    /// <summary>Asks to be reconciled again at <paramref name="time"/> (ignored when not in the future).</summary>
    public void WakeAt(DateTimeOffset? time)
    {
        if (time is { } t && t > Now)
        {
            _wakeUps.Add(t);
        }
    }

    private JobMetricsSample Metrics(V1Alpha1TwaJobStatus status)
    {
        var m = Membership;
        return new JobMetricsSample
        {
            DesiredReplicas = Spec.Replicas,
            ReadyReplicas = status.ReadyReplicas,
            WorldSize = m?.WorldSize ?? status.Membership?.WorldSize ?? 0,
            Generation = m?.Generation ?? status.Membership?.Generation ?? 0,
            PendingPods = Observed.Pods.Count(p => p.Phase == PodPhase.Pending && p.DeletionTimestamp is null),
            RestartBudgetRemaining = Math.Max(0, Spec.FailurePolicy.MaxRestarts - (status.Restarts?.FailureRestarts ?? 0)),
            Conditions = status.Conditions.ToDictionary(c => c.Type, c => c.Status, StringComparer.Ordinal),
            ClassifiedFailures = [.. ClassifiedFailures],
            ReconfigurationTrigger = Published?.Reason switch
            {
                null => null,
                TwaJobReasons.ScaleUp or TwaJobReasons.MemberRejoin => "scale_up",
                TwaJobReasons.ScaleDown or TwaJobReasons.Suspend => "scale_down",
                TwaJobReasons.MemberPreempted => "preemption",
                TwaJobReasons.Resume => "resume",
                _ => "failure",
            },
            ReconfigurationSeconds = ReconfigurationSeconds,
        };
    }

    /// <summary>Forgets the wake-ups asked for so far (a finished job only waits for its TTL).</summary>
    public void ClearWakeUps() => _wakeUps.Clear();

    /// <summary>Seconds after a publish during which a Ready condition older than the generation is not trusted
    /// (the readiness probe, every 5 s, has not yet seen the worker leave the previous generation).</summary>
    public const int ReadinessSettleSeconds = 10;

    /// <summary>True when <paramref name="pod"/> is Ready for generation <paramref name="m"/>: Ready since the
    /// publish, or Ready and the publish is older than <see cref="ReadinessSettleSeconds"/>.</summary>
    public bool ReadyFor(ObservedPod pod, MembershipRecord m)
    {
        if (!pod.Ready || !pod.IsActive || Unhealthy.Contains(pod.Name) || !m.Contains(pod.Name))
        {
            return false;
        }

        var since = pod.Condition("Ready")?.LastTransitionTime;
        var settled = m.PublishedTime.AddSeconds(ReadinessSettleSeconds);
        if (since is null || since >= m.PublishedTime || Now >= settled)
        {
            return true;
        }

        WakeAt(settled);
        return false;
    }

    /// <summary>The actions, with the status only when it differs from the observed one.</summary>
    public ReconcileActions Build()
    {
        var status = Status with { Conditions = Conditions.ToArray() };
        var changed = !StatusComparer.Equal(status, Observed.Job.Job.Status);
        return new ReconcileActions
        {
            AddFinalizer = AddFinalizer,
            Apply = [.. Apply],
            Publish = Published,
            Status = changed ? status : null,
            DeletePods = [.. _deletions.Values.OrderBy(d => d.Name, StringComparer.Ordinal)],
            CreatePods = [.. Creations],
            Events = [.. Events.Distinct()],
            DeleteJob = DeleteJob,
            RetryWithBackoff = RetryWithBackoff,
            Metrics = Metrics(status),
            RequeueAfter = DeleteJob || _wakeUps.Count == 0 ? null : _wakeUps.Min() - Now,
        };
    }
}
