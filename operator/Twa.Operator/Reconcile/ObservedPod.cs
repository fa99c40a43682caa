namespace Twa.Operator.Reconcile;

/// <summary>A worker pod of the job as the operator observes it (from the pod informer's cache): only pods whose
/// controller ownerReference carries the job's UID belong here. Immutable.</summary>
public sealed record ObservedPod
{
    /// <summary>Pod name, <c>&lt;job&gt;-worker-&lt;ordinal&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary><c>metadata.uid</c>; failures are counted at most once per UID, deletes carry it as a precondition.</summary>
    public required string Uid { get; init; }

    /// <summary>The <c>twa.dev/ordinal</c> label: the pod's stable identity within the job.</summary>
    public required int Ordinal { get; init; }

    public PodPhase Phase { get; init; } = PodPhase.Pending;

    /// <summary>The pod's Ready condition is True: the worker joined the current generation and is stepping.</summary>
    public bool Ready { get; init; }

    /// <summary><c>metadata.deletionTimestamp</c>: the pod is Terminating.</summary>
    public DateTimeOffset? DeletionTimestamp { get; init; }

    public DateTimeOffset CreationTimestamp { get; init; }

    /// <summary><c>spec.nodeName</c>, once scheduled.</summary>
    public string? NodeName { get; init; }

    /// <summary>The <c>twa.dev/template-hash</c> annotation the pod was created with.</summary>
    public string? TemplateHash { get; init; }

    public IReadOnlyList<ObservedContainer> Containers { get; init; } = [];

    public IReadOnlyList<ObservedPodCondition> Conditions { get; init; } = [];

    /// <summary>The trainer container's status, if reported.</summary>
    public ObservedContainer? Trainer => Containers.FirstOrDefault(c => c.Name == WorkerPodBuilder.TrainerContainer);

    /// <summary>The trainer container has started (startup probe passed).</summary>
    public bool Started => Trainer?.Started == true;

    /// <summary>Phase Succeeded or Failed: the pod will not run again.</summary>
    public bool IsFinished => Phase is PodPhase.Succeeded or PodPhase.Failed;

    /// <summary>Neither finished nor Terminating.</summary>
    public bool IsActive => !IsFinished && DeletionTimestamp is null;

    /// <summary>The condition of <paramref name="type"/>, if present.</summary>
    public ObservedPodCondition? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);
}
