using System.Diagnostics;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Watch;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>
/// The controller of OPERATOR.md 3.1: informers for TwaJobs and their pods (label <c>twa.dev/job-name</c>), a work
/// queue fed by every TwaJob event and by pod events mapped to the owning job (controller ownerReference, UID checked),
/// N workers running <see cref="JobExecutor"/>, a periodic full resync. A failed reconcile is logged with
/// namespace/name and re-queued with capped exponential backoff; a success re-queues after the reconciler's timer.
/// <see cref="StartInformers"/> may run before leadership (warm caches); <see cref="RunWorkersAsync"/> only while leading.
/// Thread-safe.
/// </summary>
public sealed class TwaJobController : IDisposable
{
    private readonly ControllerOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly OperatorLog _log;
    private readonly JobExecutor _executor;
    private readonly MembershipStore _store;
    private Task? _informers;
    private int _busy;
    private long _reconciles;

    public TwaJobController(KubernetesClient client, ControllerOptions options, OperatorMetrics metrics, OperatorLog log, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        Jobs = new Informer<TwaJobResource>(client, options.Namespaces, new InformerOptions { WatchTimeoutSeconds = options.WatchTimeoutSeconds }, metrics, log);
        Pods = new Informer<V1Pod>(client, options.Namespaces, new InformerOptions { LabelSelector = TwaLabels.JobName, WatchTimeoutSeconds = options.WatchTimeoutSeconds }, metrics, log);
        Queue = new WorkQueue(OperatorMetrics.Controller, options.Retry, metrics);
        _store = new MembershipStore(metrics);
        _executor = new JobExecutor(client, Jobs, Pods, _store, new TwaJobReconciler(options.Reconciler, clock ?? TimeProvider.System),
            options.Reconciler, options.DefaultRedisPassword, new EventRecorder(client, options.Instance), metrics, log)
        {
            ChildRecheckPeriod = options.ResyncPeriod,
        };
        Jobs.Changed += (_, job) => Queue.Add(ObjectKey.Of(job.Metadata.Namespace, job.Metadata.Name ?? ""));
        Pods.Changed += OnPod;
    }

    public Informer<TwaJobResource> Jobs { get; }

    public Informer<V1Pod> Pods { get; }

    public WorkQueue Queue { get; }

    /// <summary>Both caches are complete.</summary>
    public bool IsSynced => Jobs.IsSynced && Pods.IsSynced;

    /// <summary>Reconciles completed (any result).</summary>
    public long Reconciles => Interlocked.Read(ref _reconciles);

    /// <summary>Starts the list/watch loops (once); they run until <paramref name="ct"/> is cancelled.</summary>
    public Task StartInformers(CancellationToken ct) =>
        _informers ??= Task.WhenAll(Jobs.RunAsync(ct), Pods.RunAsync(ct));

    /// <summary>Waits for the caches, then runs the workers and the resync timer until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunWorkersAsync(CancellationToken ct)
    {
        _ = StartInformers(ct);
        while (!IsSynced)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        foreach (var job in Jobs.Items)
        {
            Queue.Add(ObjectKey.Of(job.Metadata.Namespace, job.Metadata.Name ?? ""));
        }

        _log.Info("caches synced; workers starting", ("workers", _options.Workers), ("jobs", Jobs.Items.Count));
        var workers = Enumerable.Range(0, _options.Workers).Select(_ => Task.Run(() => WorkerAsync(ct), CancellationToken.None)).ToList();
        workers.Add(ResyncAsync(ct));
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Keys taken but not finished, for the liveness check: a key processing longer than
    /// <paramref name="limit"/> while the queue is non-empty means the queue is wedged.</summary>
    public bool IsWedged(TimeSpan limit) => Queue.Depth > 0 && DateTimeOffset.UtcNow - Queue.LastTaken > limit && Volatile.Read(ref _busy) >= _options.Workers;

    /// <summary>Sets <c>twa_jobs{state}</c> from the cache: Succeeded, Failed, Suspended, Running (Running=True) or
    /// Pending (anything else).</summary>
    public void UpdateFleetMetrics()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["Pending"] = 0, ["Running"] = 0, ["Suspended"] = 0, ["Succeeded"] = 0, ["Failed"] = 0 };
        foreach (var job in Jobs.Items)
        {
            counts[State(job)]++;
        }

        foreach (var (state, n) in counts)
        {
            _metrics.Jobs.WithLabels(state).Set(n);
        }
    }

    public void Dispose()
    {
        Queue.Dispose();
        _store.Dispose();
    }

    private static string State(TwaJobResource job)
    {
        var trueTypes = new HashSet<string>(StringComparer.Ordinal);
        if (job.ExtensionData?.TryGetValue("status", out var status) == true && status.ValueKind == System.Text.Json.JsonValueKind.Object
            && status.TryGetProperty("conditions", out var conditions) && conditions.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var c in conditions.EnumerateArray())
            {
                if (c.ValueKind == System.Text.Json.JsonValueKind.Object && c.TryGetProperty("status", out var st) && st.ValueKind == System.Text.Json.JsonValueKind.String
                    && st.GetString() == "True" && c.TryGetProperty("type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    trueTypes.Add(t.GetString()!);
                }
            }
        }

        foreach (var state in (ReadOnlySpan<string>)["Succeeded", "Failed", "Suspended", "Running"])
        {
            if (trueTypes.Contains(state))
            {
                return state;
            }
        }

        return "Pending";
    }

    private void OnPod(WatchEventType type, V1Pod pod)
    {
        if (Observation.Owner(pod) is not { } owner)
        {
            return;
        }

        var job = Jobs.Get(pod.Metadata.Namespace, owner.Name);
        if (job is null || job.Metadata.Uid == owner.Uid)
        {
            // a job not yet cached is enqueued by its own event; the UID check ignores pods of a deleted namesake
            Queue.Add(ObjectKey.Of(pod.Metadata.Namespace, owner.Name));
        }
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ResyncPeriod, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var job in Jobs.Items)
            {
                Queue.Add(ObjectKey.Of(job.Metadata.Namespace, job.Metadata.Name ?? ""));
            }
        }
    }

    private async Task WorkerAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await Queue.TakeAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref _busy);
            _metrics.ActiveWorkers.WithLabels(OperatorMetrics.Controller).Inc();
            var clock = Stopwatch.StartNew();
            try
            {
                var again = await _executor.ReconcileAsync(key, ct).ConfigureAwait(false);
                Queue.Forget(key);
                if (again is { } delay)
                {
                    Queue.AddAfter(key, delay);
                }

                _metrics.ReconcileTotal.WithLabels(OperatorMetrics.Controller, again is null ? "success" : "requeue_after").Inc();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // any failure of one job must re-queue it, never stop the worker
            catch (Exception e)
#pragma warning restore CA1031
            {
                var delay = Queue.AddRateLimited(key);
                var (ns, name) = ObjectKey.Split(key);
                _metrics.ReconcileTotal.WithLabels(OperatorMetrics.Controller, "error").Inc();
                _metrics.ReconcileErrors.WithLabels(OperatorMetrics.Controller).Inc();
                _log.Error("reconcile failed; re-queued", ("namespace", ns), ("name", name), ("error", $"{e.GetType().Name}: {e.Message}"),
                    ("retryInSeconds", Math.Round(delay.TotalSeconds, 1)), ("attempt", Queue.Failures(key)));
            }
            finally
            {
                _metrics.ReconcileTime.WithLabels(OperatorMetrics.Controller).Observe(clock.Elapsed.TotalSeconds);
                _metrics.ActiveWorkers.WithLabels(OperatorMetrics.Controller).Dec();
                Interlocked.Decrement(ref _busy);
                Interlocked.Increment(ref _reconciles);
                Queue.Done(key);
            }
        }
    }
}
