using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>
/// Records core/v1 Events on TwaJobs, aggregated like the kubelet's: the Event name is
/// <c>&lt;job&gt;.&lt;hash&gt;</c> with a stable hash of (job UID, type, reason, message), so a repeat is a 409 on
/// create and becomes a merge patch bumping <c>count</c> and <c>lastTimestamp</c>. Counts are remembered in memory
/// (the operator's RBAC has no <c>get</c> on events), so after a restart a repeat counts from 2 again. Thread-safe.
/// </summary>
public sealed class EventRecorder
{
    private readonly KubernetesClient _client;
    private readonly string _instance;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Creates a recorder reporting as <c>twa-operator</c> from <paramref name="instance"/> (the pod name).</summary>
    public EventRecorder(KubernetesClient client, string instance)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _instance = instance ?? throw new ArgumentNullException(nameof(instance));
    }

    /// <summary>The Event name for <paramref name="e"/> on the job.</summary>
    public static string EventName(string jobName, string jobUid, JobEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{jobUid}\n{e.Type}\n{e.Reason}\n{e.Message}"));
        return $"{jobName}.{Convert.ToHexStringLower(bytes.AsSpan(0, 8))}";
    }

    /// <summary>Creates the Event, or bumps the count of the same Event recorded before.</summary>
    /// <exception cref="KubernetesApiException">The API server refused both the create and the patch.</exception>
    public async Task RecordAsync(ObservedTwaJob job, JobEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(e);
        var name = EventName(job.Name, job.Uid, e);
        var now = DateTimeOffset.UtcNow;
        var ev = new V1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = name, Namespace = job.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = V1Alpha1TwaJob.ApiVersionValue,
                Kind = V1Alpha1TwaJob.KindValue,
                Name = job.Name,
                Namespace = job.Namespace,
                Uid = job.Uid,
            },
            Reason = e.Reason,
            Message = e.Message.Length > 1024 ? e.Message[..1024] : e.Message,
            Type = e.Type.ToString(),
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = TwaLabels.FieldManager },
            ReportingComponent = TwaLabels.FieldManager,
            ReportingInstance = _instance,
        };
        try
        {
            await _client.CreateAsync(ev, ct).ConfigureAwait(false);
            _counts[name] = 1;
        }
        catch (KubernetesApiException x) when (x.IsAlreadyExists)
        {
            var count = _counts.AddOrUpdate(name, 2, (_, c) => c + 1);
            var patch = new JsonObject
            {
                ["count"] = count,
                ["lastTimestamp"] = now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
            await _client.PatchAsync<V1Event>(name, job.Namespace, KubernetesPatch.Merge(patch), null, ct).ConfigureAwait(false);
        }
    }
}
