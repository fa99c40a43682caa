using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Twa.Jobs;

namespace Twa.Operator.Reconcile;

/// <summary>Builds the job's headless Service <c>&lt;job&gt;</c> (stable pod DNS, <c>publishNotReadyAddresses</c> so
/// rejoining, not-Ready ranks resolve) and the ConfigMap <c>&lt;job&gt;-spec</c> whose <c>job.yaml</c> is the job as
/// <c>twa worker</c> reads it (same parser as <c>twa train</c>). Both carry a controller ownerReference and a
/// <c>twa.dev/spec-hash</c> annotation. Thread-safe (no state).</summary>
public static class JobChildren
{
    private static readonly JsonSerializerOptions s_jobJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    public static string ServiceName(string jobName) => jobName;

    public static string ConfigMapName(string jobName) => $"{jobName}-spec";

    /// <summary>The controller ownerReference to the job (<c>blockOwnerDeletion</c>, so GC waits for children).</summary>
    public static JsonObject OwnerReference(ObservedTwaJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JsonObject
        {
            ["apiVersion"] = V1Alpha1TwaJob.ApiVersionValue,
            ["kind"] = V1Alpha1TwaJob.KindValue,
            ["name"] = job.Name,
            ["uid"] = job.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };
    }

    /// <summary>The headless Service selecting the job's workers, with the metrics and dist ports.</summary>
    public static ChildObject Service(ObservedTwaJob job, ReconcilerOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var selector = new JsonObject();
        foreach (var (k, v) in WorkerPodBuilder.SelectorLabels(job.Name))
        {
            selector[k] = v;
        }

        var spec = new JsonObject
        {
            ["clusterIP"] = "None",
            ["publishNotReadyAddresses"] = true,
            ["selector"] = selector,
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = WorkerPodBuilder.MetricsPortName, ["port"] = job.Job.Spec.Monitoring.Port, ["protocol"] = "TCP" },
                new JsonObject { ["name"] = WorkerPodBuilder.DistPortName, ["port"] = options.DistBasePort, ["protocol"] = "TCP" }),
        };
        return Child(job, "Service", ServiceName(job.Name), spec, "spec");
    }

    /// <summary>The ConfigMap holding <c>job.yaml</c>.</summary>
    public static ChildObject ConfigMap(ObservedTwaJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var data = new JsonObject { [WorkerPodBuilder.JobSpecFile] = JobYaml(job) };
        return Child(job, "ConfigMap", ConfigMapName(job.Name), data, "data");
    }

    /// <summary>The job file the workers read: apiVersion, kind, metadata (name, namespace, uid) and spec, without
    /// status. Written as JSON, which is YAML, so <c>TwaJobLoader.Parse</c> reads it back to an equal spec.</summary>
    public static string JobYaml(ObservedTwaJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var j = job.Job;
        var copy = j with
        {
            ApiVersion = V1Alpha1TwaJob.ApiVersionValue,
            Kind = V1Alpha1TwaJob.KindValue,
            Metadata = new ObjectMeta { Name = job.Name, Namespace = job.Namespace, Uid = job.Uid },
            Status = null,
        };
        return JsonSerializer.Serialize(copy, s_jobJson) + "\n";
    }

    private static ChildObject Child(ObservedTwaJob job, string kind, string name, JsonObject body, string field)
    {
        var hash = WorkerPodBuilder.Hash(body.ToJsonString());
        var labels = new JsonObject
        {
            [TwaLabels.ManagedBy] = TwaLabels.FieldManager,
            [TwaLabels.JobName] = job.Name,
            [TwaLabels.JobUid] = job.Uid,
        };
        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = job.Namespace,
                ["labels"] = labels,
                ["annotations"] = new JsonObject { [TwaLabels.SpecHash] = hash },
                ["ownerReferences"] = new JsonArray(OwnerReference(job)),
            },
            [field] = body,
        };
        return new ChildObject(kind, name, hash, obj);
    }
}
