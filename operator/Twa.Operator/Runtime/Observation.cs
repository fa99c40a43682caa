using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Twa.Jobs;
using Twa.Jobs.Operator;
using Twa.Kubernetes.Models;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Runtime;

/// <summary>Maps API objects from the informer caches onto the reconciler's observed records. Pure; thread-safe.</summary>
public static class Observation
{
    private static readonly JsonSerializerOptions s_status = CreateStatusOptions();

    /// <summary>The TwaJob as the reconciler sees it. A spec that does not bind (unknown fields, wrong types, invalid
    /// values) yields a job with the default spec, the stored status and <see cref="ObservedTwaJob.BindProblems"/>
    /// naming each problem, so it fails with InvalidSpec instead of stopping the operator; its <c>spec.redis</c> is
    /// kept when that part alone binds (the spec may have bound earlier, and the finalizer must find the job's keys).</summary>
    public static ObservedTwaJob Job(TwaJobResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var json = resource.ToJsonObject();
        var meta = resource.Metadata;
        V1Alpha1TwaJob job;
        IReadOnlyList<string> problems = [];
        try
        {
            job = TwaJobJson.Read(json);
        }
        catch (JobFileException e)
        {
            problems = e.Problems.Count > 0 ? e.Problems : [e.Message];
            job = new V1Alpha1TwaJob
            {
                ApiVersion = V1Alpha1TwaJob.ApiVersionValue,
                Kind = V1Alpha1TwaJob.KindValue,
                Metadata = new ObjectMeta
                {
                    Name = meta.Name ?? "",
                    Namespace = meta.Namespace,
                    Uid = meta.Uid,
                    Labels = meta.Labels is null ? null : new Dictionary<string, string>(meta.Labels, StringComparer.Ordinal),
                    Annotations = meta.Annotations is null ? null : new Dictionary<string, string>(meta.Annotations, StringComparer.Ordinal),
                },
                Spec = new TwaJobSpec { Redis = ReadRedis(json["spec"]?["redis"]) },
                Status = ReadStatus(json["status"]),
            };
        }

        return new ObservedTwaJob
        {
            Job = job,
            Generation = meta.Generation ?? 1,
            DeletionTimestamp = meta.DeletionTimestamp,
            Finalizers = [.. meta.Finalizers ?? []],
            BindProblems = problems,
        };
    }

    /// <summary>True when <paramref name="pod"/>'s controller ownerReference is the TwaJob with <paramref name="jobUid"/>.</summary>
    public static bool IsControlledBy(V1Pod pod, string jobUid)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == V1Alpha1TwaJob.KindValue && o.Uid == jobUid) == true;
    }

    /// <summary>The owning TwaJob's name and UID from the controller ownerReference, if it is a TwaJob.</summary>
    public static (string Name, string Uid)? Owner(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var o = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == V1Alpha1TwaJob.KindValue);
        return o is null ? null : (o.Name, o.Uid);
    }

    /// <summary>The pod as the reconciler sees it; null when it lacks a name, UID or a numeric <c>twa.dev/ordinal</c>.</summary>
    public static ObservedPod? Pod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var meta = pod.Metadata;
        if (meta.Name is null || meta.Uid is null
            || meta.Labels?.TryGetValue(TwaLabels.Ordinal, out var ordinalText) != true
            || !int.TryParse(ordinalText, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            return null;
        }

        var status = pod.Status;
        return new ObservedPod
        {
            Name = meta.Name,
            Uid = meta.Uid,
            Ordinal = ordinal,
            Phase = Enum.TryParse<PodPhase>(status?.Phase, ignoreCase: false, out var phase) ? phase : PodPhase.Pending,
            Ready = status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            DeletionTimestamp = meta.DeletionTimestamp,
            CreationTimestamp = meta.CreationTimestamp ?? DateTimeOffset.UnixEpoch,
            NodeName = (string?)pod.Spec?["nodeName"],
            TemplateHash = meta.Annotations?.TryGetValue(TwaLabels.TemplateHash, out var hash) == true ? hash : null,
            Containers = [.. (status?.ContainerStatuses ?? []).Select(c => new ObservedContainer(
                c.Name,
                c.Started == true,
                c.State?.Terminated is { } t ? new ContainerTermination(t.ExitCode, t.Reason, t.Message, t.FinishedAt) : null))],
            Conditions = [.. (status?.Conditions ?? []).Select(c => new ObservedPodCondition(
                c.Type,
                Enum.TryParse<ConditionStatus>(c.Status, out var s) ? s : ConditionStatus.Unknown,
                c.LastTransitionTime,
                c.Reason))],
        };
    }

    private static RedisSpec? ReadRedis(JsonNode? redis)
    {
        if (redis is not JsonObject)
        {
            return null;
        }

        try
        {
            return redis.Deserialize<RedisSpec>(s_status);
        }
        catch (JsonException)
        {
            return null; // no Redis to clean either
        }
    }

    private static V1Alpha1TwaJobStatus? ReadStatus(JsonNode? status)
    {
        if (status is not JsonObject)
        {
            return null;
        }

        try
        {
            return status.Deserialize<V1Alpha1TwaJobStatus>(s_status);
        }
        catch (JsonException)
        {
            return null; // an unreadable status is rewritten from scratch
        }
    }

    private static JsonSerializerOptions CreateStatusOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
