using Twa.Jobs;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Tests.Reconcile;

/// <summary>
/// An in-memory stand-in for the API server, kubelet and Redis around one TwaJob: it carries out the reconciler's
/// actions the way the real executor will (CAS publish, status replace, pod create/delete by UID) and lets a test
/// drive pods (start, Ready, fail, complete) and the clock. Plain data, no I/O.
/// </summary>
internal sealed class JobWorld
{
    private int _uid;

    public JobWorld(V1Alpha1TwaJob job, ReconcilerOptions? options = null)
    {
        Options = options ?? new ReconcilerOptions();
        Reconciler = new TwaJobReconciler(Options, Clock);
        Job = new ObservedTwaJob { Job = job, Generation = 1 };
    }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public ReconcilerOptions Options { get; }

    public TwaJobReconciler Reconciler { get; set; }

    public ObservedTwaJob Job { get; set; }

    public Dictionary<string, ObservedPod> Pods { get; } = new(StringComparer.Ordinal);

    public MembershipRecord? Membership { get; set; }

    public bool StoreAvailable { get; set; } = true;

    public string? ServiceHash { get; set; }

    public string? ConfigMapHash { get; set; }

    /// <summary>Deleted pods stay Terminating until <see cref="FinishTerminations"/> when true.</summary>
    public bool KeepTerminating { get; set; }

    public List<JobEvent> Events { get; } = [];

    public List<MembershipRecord> Published { get; } = [];

    public List<PodCreation> Created { get; } = [];

    public List<PodDeletion> Deleted { get; } = [];

    public int StatusWrites { get; private set; }

    public bool JobDeleted { get; private set; }

    public string? CleanedPrefix { get; private set; }

    public V1Alpha1TwaJobStatus Status => Job.Job.Status ?? throw new InvalidOperationException("no status written yet");

    public RestartsStatus Restarts => Status.Restarts!;

    public V1Condition Condition(string type) => Status.Conditions.Single(c => c.Type == type);

    public ObservedState Observe() => new()
    {
        Job = Job,
        Pods = [.. Pods.Values.OrderBy(p => p.Ordinal)],
        Membership = StoreAvailable ? Membership : null,
        StoreAvailable = StoreAvailable,
        ServiceHash = ServiceHash,
        ConfigMapHash = ConfigMapHash,
    };

    /// <summary>One reconcile, its actions carried out.</summary>
    public ReconcileActions Reconcile()
    {
        var a = Reconciler.Reconcile(Observe());
        if (a.AddFinalizer)
        {
            Job = Job with { Finalizers = [.. Job.Finalizers, TwaLabels.RedisCleanupFinalizer] };
        }

        if (a.RedisCleanupKeyPrefix is { } prefix)
        {
            CleanedPrefix = prefix;
        }

        if (a.RemoveFinalizer)
        {
            Job = Job with { Finalizers = [.. Job.Finalizers.Where(f => f != TwaLabels.RedisCleanupFinalizer)] };
        }

        foreach (var child in a.Apply)
        {
            if (child.Kind == "Service")
            {
                ServiceHash = child.Hash;
            }
            else
            {
                ConfigMapHash = child.Hash;
            }
        }

        if (a.Publish is { } record && (Membership is null || Membership.Generation < record.Generation))
        {
            Membership = record;
            Published.Add(record);
        }

        if (a.Status is { } status)
        {
            Job = Job with { Job = Job.Job with { Status = status } };
            StatusWrites++;
        }

        foreach (var d in a.DeletePods)
        {
            if (Pods.TryGetValue(d.Name, out var p) && p.Uid == d.Uid)
            {
                Deleted.Add(d);
                if (KeepTerminating)
                {
                    Pods[d.Name] = p with { DeletionTimestamp = Clock.Now };
                }
                else
                {
                    Pods.Remove(d.Name);
                }
            }
        }

        foreach (var c in a.CreatePods)
        {
            if (Pods.ContainsKey(c.Name))
            {
                continue; // 409 AlreadyExists
            }

            Created.Add(c);
            Pods[c.Name] = new ObservedPod { Name = c.Name, Uid = $"uid-{++_uid}", Ordinal = c.Ordinal, CreationTimestamp = Clock.Now };
        }

        Events.AddRange(a.Events);
        JobDeleted |= a.DeleteJob;
        return a;
    }

    public void FinishTerminations()
    {
        foreach (var p in Pods.Values.Where(p => p.DeletionTimestamp is not null).ToList())
        {
            Pods.Remove(p.Name);
        }
    }

    /// <summary>Kubelet: the pod runs and the trainer's startup probe passed (standby).</summary>
    public void Start(string name) => Update(name, p => p with
    {
        Phase = PodPhase.Running,
        NodeName = "node-a",
        Containers = [new ObservedContainer(WorkerPodBuilder.TrainerContainer, Started: true)],
    });

    public void StartAll()
    {
        foreach (var p in Pods.Values.Where(p => p.Phase == PodPhase.Pending && p.DeletionTimestamp is null).ToList())
        {
            Start(p.Name);
        }
    }

    /// <summary>Every member of the current generation becomes Ready; everyone else NotReady.</summary>
    public void MembersReady()
    {
        foreach (var p in Pods.Values.Where(p => p.Phase == PodPhase.Running).ToList())
        {
            var ready = Membership?.Contains(p.Name) == true;
            Update(p.Name, q => q with { Ready = ready, Conditions = [new ObservedPodCondition("Ready", ready ? ConditionStatus.True : ConditionStatus.False, Clock.Now)] });
        }
    }

    /// <summary>Reconcile, start every pod, reconcile, make members Ready, reconcile: a settled job.</summary>
    public void Settle()
    {
        Reconcile();
        StartAll();
        Reconcile();
        MembersReady();
        Reconcile();
    }

    public void Exit(string name, int exitCode, string? message = null, params ObservedPodCondition[] conditions) => Update(name, p => p with
    {
        Phase = exitCode == 0 ? PodPhase.Succeeded : PodPhase.Failed,
        Ready = false,
        Containers = [new ObservedContainer(WorkerPodBuilder.TrainerContainer, Started: false,
            new ContainerTermination(exitCode, exitCode == 0 ? "Completed" : "Error", message, Clock.Now))],
        Conditions = [.. conditions, new ObservedPodCondition("Ready", ConditionStatus.False, Clock.Now)],
    });

    public void SetSpec(Func<TwaJobSpec, TwaJobSpec> edit) =>
        Job = Job with { Job = Job.Job with { Spec = edit(Job.Job.Spec) }, Generation = Job.Generation + 1 };

    public void Update(string name, Func<ObservedPod, ObservedPod> edit) => Pods[name] = edit(Pods[name]);

    public string[] MemberNames => [.. Membership?.Members.Select(m => m.Pod) ?? []];
}
