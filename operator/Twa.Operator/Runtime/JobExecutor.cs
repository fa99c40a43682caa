using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StackExchange.Redis;
using Twa.Jobs.Operator;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Serialization;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>
/// One reconcile of one TwaJob key: gathers the <see cref="ObservedState"/> (informer caches, the Redis membership
/// record, the children's spec hashes), runs <see cref="TwaJobReconciler"/> and carries out its
/// <see cref="ReconcileActions"/> in the documented order, stopping at the first failure (thrown, so the caller
/// re-queues with backoff). An unreadable Redis is observed as <see cref="ObservedState.StoreAvailable"/> = false;
/// the reconciler then decides nothing from the membership and asks for <see cref="ReconcileActions.RetryWithBackoff"/>,
/// which is thrown after the other actions. The children's spec hashes are cached for at most
/// <see cref="ChildRecheckPeriod"/>, so a deleted Service or ConfigMap is re-created by a later reconcile (at the latest
/// the resync after that period). The pods of a job being deleted are listed from the API server, not the cache, before
/// its finalizer goes. Thread-safe for different keys; the work queue never runs one key twice at once.
/// </summary>
public sealed class JobExecutor
{
    private readonly KubernetesClient _client;
    private readonly Informer<TwaJobResource> _jobs;
    private readonly Informer<V1Pod> _pods;
    private readonly MembershipStore _store;
    private readonly TwaJobReconciler _reconciler;
    private readonly ReconcilerOptions _options;
    private readonly string? _defaultRedisPassword;
    private readonly EventRecorder _events;
    private readonly OperatorMetrics _metrics;
    private readonly OperatorLog _log;
    private readonly ConcurrentDictionary<string, (string Hash, DateTimeOffset Checked)> _childHashes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Password, DateTimeOffset Read)> _passwords = new(StringComparer.Ordinal);

    public JobExecutor(KubernetesClient client, Informer<TwaJobResource> jobs, Informer<V1Pod> pods, MembershipStore store,
        TwaJobReconciler reconciler, ReconcilerOptions options, string? defaultRedisPassword, EventRecorder events,
        OperatorMetrics metrics, OperatorLog log)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _jobs = jobs ?? throw new ArgumentNullException(nameof(jobs));
        _pods = pods ?? throw new ArgumentNullException(nameof(pods));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _reconciler = reconciler ?? throw new ArgumentNullException(nameof(reconciler));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _defaultRedisPassword = defaultRedisPassword;
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>How long a Redis password read from a job's Secret is reused (a rotated password is picked up after it).</summary>
    public static TimeSpan PasswordCacheTime { get; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the spec hash of a Service / ConfigMap seen (or applied) is trusted before the object is read
    /// again: a child deleted behind the operator's back is re-created by the first reconcile after it (the controller
    /// sets its resync period). Default 10 min.</summary>
    public TimeSpan ChildRecheckPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Reconciles the job <paramref name="key"/> (<c>namespace/name</c>); returns when to reconcile again
    /// (null = only on the next change).</summary>
    /// <exception cref="Exception">Any failure of an action (API, Redis); the caller re-queues with backoff.</exception>
    public async Task<TimeSpan?> ReconcileAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ObjectKey.Split(key);
        if (_jobs.Get(ns, name) is not { } resource)
        {
            _metrics.Drop(ns, name);
            return null;
        }

        var job = Observation.Job(resource);
        IEnumerable<V1Pod> podObjects = _pods.Items;
        if (job.DeletionTimestamp is not null && job.Finalizers.Contains(TwaLabels.RedisCleanupFinalizer))
        {
            // The finalizer goes once no pod is left: ask the API server, the cache may not hold a pod created just now.
            podObjects = (await _client.ListAsync<V1Pod>(ns, new ListOptions { LabelSelector = $"{TwaLabels.JobName}={name}" }, ct).ConfigureAwait(false)).Items;
        }

        var pods = podObjects
            .Where(p => p.Metadata.Namespace == ns && Observation.IsControlledBy(p, job.Uid))
            .Select(Observation.Pod).OfType<ObservedPod>().OrderBy(p => p.Ordinal).ToList();
        var (endpoint, storeProblem) = await EndpointAsync(job, ct).ConfigureAwait(false);
        var prefix = WorkerPodBuilder.KeyPrefix(job.Namespace, job.Name, job.Uid);
        MembershipRecord? membership = null;
        if (endpoint is not null && job.DeletionTimestamp is null)
        {
            try
            {
                membership = await _store.ReadAsync(endpoint, prefix).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or FormatException)
            {
                storeProblem = $"reading {MembershipStore.RecordKey(prefix)} from {endpoint} failed: {e.Message}";
            }
        }

        var observed = new ObservedState
        {
            Job = job,
            Pods = pods,
            Membership = membership,
            StoreAvailable = endpoint is not null && storeProblem is null,
            ServiceHash = await ChildHashAsync<V1Service>(job, JobChildren.ServiceName(name), ct).ConfigureAwait(false),
            ConfigMapHash = await ChildHashAsync<V1ConfigMap>(job, JobChildren.ConfigMapName(name), ct).ConfigureAwait(false),
        };
        var actions = _reconciler.Reconcile(observed);
        return await ExecuteAsync(resource, job, endpoint, storeProblem, actions, ct).ConfigureAwait(false);
    }

    private async Task<TimeSpan?> ExecuteAsync(TwaJobResource resource, ObservedTwaJob job, RedisEndpoint? endpoint, string? storeProblem,
        ReconcileActions a, CancellationToken ct)
    {
        var ns = job.Namespace;
        var name = job.Name;
        var resourceVersion = resource.Metadata.ResourceVersion;
        var finalizers = job.Finalizers.ToList();
        if (a.AddFinalizer && !finalizers.Contains(TwaLabels.RedisCleanupFinalizer))
        {
            finalizers.Add(TwaLabels.RedisCleanupFinalizer);
            resourceVersion = await PatchFinalizersAsync(job, finalizers, resourceVersion, ct).ConfigureAwait(false);
        }

        if (a.RedisCleanupKeyPrefix is { } prefix)
        {
            try
            {
                if (endpoint is null)
                {
                    throw new RedisException(storeProblem ?? "the job's Redis is not configured");
                }

                var deleted = await _store.DeletePrefixAsync(endpoint, prefix).ConfigureAwait(false);
                _log.Info("redis keys deleted", ("namespace", ns), ("name", name), ("prefix", prefix), ("keys", deleted));
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                await _events.RecordAsync(job, TwaJobReconciler.RedisCleanupFailedEvent(e.Message), ct).ConfigureAwait(false);
                throw;
            }
        }

        if (a.RemoveFinalizer && finalizers.Remove(TwaLabels.RedisCleanupFinalizer))
        {
            resourceVersion = await PatchFinalizersAsync(job, finalizers, resourceVersion, ct).ConfigureAwait(false);
        }

        foreach (var child in a.Apply)
        {
            var patch = new KubernetesPatch(PatchType.Apply, child.Manifest.ToJsonString());
            var options = new PatchOptions(TwaLabels.FieldManager, Force: true);
            _ = child.Kind == "Service"
                ? (KubernetesObject)await _client.PatchAsync<V1Service>(child.Name, ns, patch, options, ct).ConfigureAwait(false)
                : await _client.PatchAsync<V1ConfigMap>(child.Name, ns, patch, options, ct).ConfigureAwait(false);
            _childHashes[HashKey(job, child.Kind)] = (child.Hash, DateTimeOffset.UtcNow);
        }

        // Status first: the counted UIDs and the budget are durable before the publish and the deletes act on them.
        if (a.Status is { } status)
        {
            var json = resource.ToJsonObject();
            json["status"] = TwaJobJson.ToJson(status);
            json["metadata"]!["resourceVersion"] = resourceVersion;
            try
            {
                await _client.ReplaceStatusAsync(TwaJobResource.FromJsonObject(json), ct).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsConflict)
            {
                _log.Debug("status write conflicted; re-queued", ("namespace", ns), ("name", name));
                return TimeSpan.FromMilliseconds(200);
            }
        }

        if (a.Publish is { } record)
        {
            if (endpoint is null || !await _store.PublishAsync(endpoint, WorkerPodBuilder.KeyPrefix(ns, name, job.Uid), record).ConfigureAwait(false))
            {
                _log.Info("membership compare-and-set lost; re-reading", ("namespace", ns), ("name", name), ("generation", record.Generation));
                return TimeSpan.FromMilliseconds(200);
            }

            _log.Info("membership published", ("namespace", ns), ("name", name), ("generation", record.Generation),
                ("worldSize", record.WorldSize), ("reason", record.Reason));
        }

        foreach (var d in a.DeletePods)
        {
            try
            {
                await _client.DeleteAsync<V1Pod>(d.Name, ns, new DeleteOptions { PreconditionUid = d.Uid }, ct).ConfigureAwait(false);
                _log.Info("pod deleted", ("namespace", ns), ("name", name), ("pod", d.Name), ("reason", d.Reason));
            }
            catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
            {
                // gone already, or re-created under the same name (UID precondition)
            }
        }

        foreach (var c in a.CreatePods)
        {
            try
            {
                await _client.CreateAsync(c.Pod.Deserialize<V1Pod>(KubernetesJson.Options)!, ct).ConfigureAwait(false);
                _log.Info("pod created", ("namespace", ns), ("name", name), ("pod", c.Name));
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
                // deterministic name: created before
            }
        }

        foreach (var e in a.Events)
        {
            await _events.RecordAsync(job, e, ct).ConfigureAwait(false);
        }

        if (a.DeleteJob)
        {
            try
            {
                await _client.DeleteAsync<TwaJobResource>(name, ns, new DeleteOptions { PreconditionUid = job.Uid }, ct).ConfigureAwait(false);
                _log.Info("job deleted (ttlSecondsAfterFinished)", ("namespace", ns), ("name", name));
            }
            catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
            {
            }
        }

        if (a.Metrics is { } sample)
        {
            _metrics.Record(ns, name, sample);
        }
        else
        {
            _metrics.Drop(ns, name);
        }

        if (a.RetryWithBackoff)
        {
            throw new RedisException($"the job's Redis is unavailable ({storeProblem ?? "no endpoint"}); Running=False/StoreUnavailable, retrying with backoff");
        }

        return a.RequeueAfter;
    }

    private async Task<string?> PatchFinalizersAsync(ObservedTwaJob job, List<string> finalizers, string? resourceVersion, CancellationToken ct)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode?)JsonValue.Create(f))]),
                ["resourceVersion"] = resourceVersion,
            },
        };
        var updated = await _client.PatchAsync<TwaJobResource>(job.Name, job.Namespace, KubernetesPatch.Merge(patch), null, ct).ConfigureAwait(false);
        return updated.Metadata.ResourceVersion;
    }

    private async Task<string?> ChildHashAsync<T>(ObservedTwaJob job, string childName, CancellationToken ct)
        where T : KubernetesObject
    {
        var kind = typeof(T) == typeof(V1Service) ? "Service" : "ConfigMap";
        var key = HashKey(job, kind);
        if (_childHashes.TryGetValue(key, out var cached) && DateTimeOffset.UtcNow - cached.Checked < ChildRecheckPeriod)
        {
            return cached.Hash;
        }

        var existing = await _client.TryGetAsync<T>(childName, job.Namespace, ct).ConfigureAwait(false);
        if (existing?.Metadata.Annotations?.TryGetValue(TwaLabels.SpecHash, out var h) == true)
        {
            _childHashes[key] = (h, DateTimeOffset.UtcNow);
            return h;
        }

        _childHashes.TryRemove(key, out _);
        return null;
    }

    private static string HashKey(ObservedTwaJob job, string kind) => $"{job.Uid}/{kind}";

    /// <summary>The job's effective Redis with the password from its Secret; no endpoint and no problem when none is
    /// configured, no endpoint and the problem when the Secret cannot be read (the store is then unavailable to this
    /// reconcile).</summary>
    private async Task<(RedisEndpoint? Endpoint, string? Problem)> EndpointAsync(ObservedTwaJob job, CancellationToken ct)
    {
        JobValidation.Validate(job, _options, out var redis);
        if (redis.Address is null)
        {
            return (null, null);
        }

        string? password = null;
        if (redis.PasswordSecretRef is { } reference)
        {
            if (_options.DefaultRedis is { } d && d.Address == redis.Address && d.PasswordSecretRef?.Name == reference.Name && _defaultRedisPassword is not null)
            {
                password = _defaultRedisPassword;
            }
            else
            {
                var cacheKey = $"{job.Namespace}/{reference.Name}/{reference.Key}";
                if (_passwords.TryGetValue(cacheKey, out var cached) && DateTimeOffset.UtcNow - cached.Read < PasswordCacheTime)
                {
                    return (new RedisEndpoint(redis.Address, redis.Database, redis.Tls, cached.Password), null);
                }

                try
                {
                    var secret = await _client.TryGetAsync<V1Secret>(reference.Name, job.Namespace, ct).ConfigureAwait(false);
                    if (secret?.Data?.TryGetValue(reference.Key, out var bytes) != true)
                    {
                        return (null, $"the Redis password Secret {job.Namespace}/{reference.Name} or its key '{reference.Key}' is missing");
                    }

                    password = Encoding.UTF8.GetString(bytes!);
                    _passwords[cacheKey] = (password, DateTimeOffset.UtcNow);
                }
                catch (KubernetesApiException e)
                {
                    return (null, $"reading the Redis password Secret {job.Namespace}/{reference.Name} failed: {e.Message}");
                }
            }
        }

        return (new RedisEndpoint(redis.Address, redis.Database, redis.Tls, password), null);
    }
}
