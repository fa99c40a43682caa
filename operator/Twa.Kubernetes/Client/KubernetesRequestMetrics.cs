using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Twa.Kubernetes.Client;

/// <summary>
/// Counts API requests per (verb, resource, code). Read it with <see cref="Snapshot"/> (for a hand-written
/// Prometheus exposition, e.g. <c>rest_client_requests_total</c>) or through the observable counter
/// <c>twa.kubernetes.client.requests</c> on the <c>Twa.Kubernetes</c> meter. Thread-safe; one per client.
/// </summary>
public sealed class KubernetesRequestMetrics : IDisposable
{
    /// <summary>The meter name the observable counter is published under.</summary>
    public const string MeterName = "Twa.Kubernetes";

    private readonly ConcurrentDictionary<(string Verb, string Resource, int Code), long> _counts = new();
    private readonly Meter _meter;

    public KubernetesRequestMetrics()
    {
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("twa.kubernetes.client.requests", Observe, unit: "{request}", description: "Kubernetes API requests by verb, resource and HTTP code.");
    }

    /// <summary>Adds one request.</summary>
    public void Record(string verb, string resource, int code) =>
        _counts.AddOrUpdate((verb, resource, code), 1, static (_, n) => n + 1);

    /// <summary>The counts so far, ordered by verb, resource and code.</summary>
    public IReadOnlyList<KubernetesRequestCount> Snapshot() =>
        [.. _counts.Select(kv => new KubernetesRequestCount(kv.Key.Verb, kv.Key.Resource, kv.Key.Code, kv.Value))
            .OrderBy(c => c.Verb, StringComparer.Ordinal).ThenBy(c => c.Resource, StringComparer.Ordinal).ThenBy(c => c.Code)];

    /// <summary>Total requests for a verb and resource (all codes).</summary>
    public long Total(string verb, string resource) =>
        _counts.Where(kv => kv.Key.Verb == verb && kv.Key.Resource == resource).Sum(kv => kv.Value);

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Observe() =>
        _counts.Select(kv => new Measurement<long>(
            kv.Value,
            new KeyValuePair<string, object?>("verb", kv.Key.Verb),
            new KeyValuePair<string, object?>("resource", kv.Key.Resource),
            new KeyValuePair<string, object?>("code", kv.Key.Code.ToString(System.Globalization.CultureInfo.InvariantCulture))));
}
