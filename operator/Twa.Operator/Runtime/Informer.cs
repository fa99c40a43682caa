using System.Collections.Concurrent;
using Twa.Kubernetes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Watch;

namespace Twa.Operator.Runtime;

/// <summary>
/// LIST + WATCH of one resource (client-go's reflector + store, OPERATOR.md 3.1): a cache keyed by
/// <c>namespace/name</c>, <see cref="IsSynced"/> once every namespace was listed, watches with bookmarks and
/// <c>timeoutSeconds</c> that resume from the last resourceVersion, a re-list on 410 Expired, and reconnects with
/// capped backoff and jitter (each counted in <c>twa_operator_watch_restarts_total{resource}</c>). Every change is
/// reported to <see cref="Changed"/> (on the informer's loop; handlers must be quick and must not throw).
/// Cached objects are shared snapshots: never modify them. Thread-safe.
/// </summary>
/// <typeparam name="T">The model type (carries <see cref="KubernetesEntityAttribute"/>).</typeparam>
public sealed class Informer<T>
    where T : KubernetesObject
{
    private static readonly Backoff s_reconnect = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));
    private readonly KubernetesClient _client;
    private readonly IReadOnlyList<string?> _namespaces;
    private readonly InformerOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly OperatorLog _log;
    private readonly ConcurrentDictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _listed = new(StringComparer.Ordinal);
    private long _lastActivityTicks = DateTimeOffset.UtcNow.UtcTicks;

    /// <summary>Creates an informer over <paramref name="namespaces"/> (empty = all namespaces, one watch).</summary>
    public Informer(KubernetesClient client, IReadOnlyList<string> namespaces, InformerOptions options, OperatorMetrics metrics, OperatorLog log)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(namespaces);
        _client = client;
        _namespaces = namespaces.Count == 0 ? [null] : [.. namespaces];
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        Resource = ResourceDescriptor.For<T>().Plural;
    }

    /// <summary>Raised for every cached change: Added, Modified or Deleted with the new (or last) object.</summary>
    public event Action<WatchEventType, T>? Changed;

    /// <summary>The plural resource name (metric label).</summary>
    public string Resource { get; }

    /// <summary>True once every namespace has been listed (the cache is complete).</summary>
    public bool IsSynced => _listed.Count == _namespaces.Count;

    /// <summary>When the last watch event or bookmark (or list) arrived.</summary>
    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    /// <summary>The cached object, or null.</summary>
    public T? Get(string? ns, string name) => _cache.TryGetValue(ObjectKey.Of(ns, name), out var o) ? o : null;

    /// <summary>A snapshot of the cached objects.</summary>
    public IReadOnlyList<T> Items => [.. _cache.Values];

    /// <summary>Runs the list/watch loops until <paramref name="ct"/> is cancelled (then returns without throwing).</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(_namespaces.Select(ns => Task.Run(() => LoopAsync(ns, ct), CancellationToken.None)));

    private async Task LoopAsync(string? ns, CancellationToken ct)
    {
        string? resourceVersion = null;
        var failures = 0;
        var first = true;
        while (!ct.IsCancellationRequested)
        {
            var delivered = false;
            try
            {
                if (!first)
                {
                    _metrics.WatchRestarts.WithLabels(Resource).Inc();
                }

                first = false;
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(ns, ct).ConfigureAwait(false);
                    delivered = true;
                }

                var options = new WatchOptions
                {
                    ResourceVersion = resourceVersion,
                    LabelSelector = _options.LabelSelector,
                    TimeoutSeconds = _options.WatchTimeoutSeconds,
                    AllowBookmarks = true,
                };
                await foreach (var e in _client.WatchAsync<T>(ns, options, ct).ConfigureAwait(false))
                {
                    Touch();
                    delivered = true;
                    switch (e.Type)
                    {
                        case WatchEventType.Added or WatchEventType.Modified when e.Item is { } item:
                            _cache[KeyOf(item)] = item;
                            Changed?.Invoke(e.Type, item);
                            break;
                        case WatchEventType.Deleted when e.Item is { } gone:
                            _cache.TryRemove(KeyOf(gone), out _);
                            Changed?.Invoke(WatchEventType.Deleted, gone);
                            break;
                        case WatchEventType.Expired:
                            _log.Info("watch expired (410), re-listing", ("resource", Resource), ("namespace", ns ?? "*"));
                            resourceVersion = null;
                            continue;
                        case WatchEventType.Error:
                            _log.Warn("watch error event", ("resource", Resource), ("namespace", ns ?? "*"), ("status", e.Status?.Message));
                            resourceVersion = null;
                            continue;
                        default:
                            break;
                    }

                    if (e.ResourceVersion is { Length: > 0 } rv)
                    {
                        resourceVersion = rv;
                    }
                }

                failures = delivered ? 0 : failures + 1;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TimeoutException or System.Text.Json.JsonException or IOException)
            {
                failures++;
                if (e is KubernetesApiException { IsGone: true })
                {
                    resourceVersion = null;
                }

                _log.Warn("list/watch failed; reconnecting", ("resource", Resource), ("namespace", ns ?? "*"), ("error", e.Message), ("attempt", failures));
            }

            if (failures > 0)
            {
                try
                {
                    await Task.Delay(s_reconnect.Delay(failures), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string?> ListAsync(string? ns, CancellationToken ct)
    {
        var list = await _client.ListAsync<T>(ns, new ListOptions { LabelSelector = _options.LabelSelector }, ct).ConfigureAwait(false);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            var key = KeyOf(item);
            seen.Add(key);
            var known = _cache.TryGetValue(key, out var old);
            _cache[key] = item;
            if (!known || old!.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
            {
                Changed?.Invoke(known ? WatchEventType.Modified : WatchEventType.Added, item);
            }
        }

        foreach (var (key, item) in _cache)
        {
            if ((ns is null || item.Metadata.Namespace == ns) && !seen.Contains(key) && _cache.TryRemove(key, out var gone))
            {
                Changed?.Invoke(WatchEventType.Deleted, gone);
            }
        }

        Touch();
        _listed[ns ?? ""] = true;
        return list.Metadata.ResourceVersion;
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivityTicks, DateTimeOffset.UtcNow.UtcTicks);

    private static string KeyOf(T item) => ObjectKey.Of(item.Metadata.Namespace, item.Metadata.Name ?? "");
}
