using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Twa.Jobs.Operator;

namespace Twa.Operator.Reconcile;

/// <summary>
/// Builds a worker pod (OPERATOR.md 4.1/4.2) from the job's template: deterministic name <c>&lt;job&gt;-worker-&lt;n&gt;</c>,
/// labels, template-hash annotation, controller ownerReference, hostname/subdomain, <c>restartPolicy: Never</c>,
/// container <c>trainer</c> running <c>twa worker --job /etc/twa/job/job.yaml</c> with the spec ConfigMap mounted,
/// named ports, probes and the static env vars (never RANK/WORLD_SIZE: those come from the membership record).
/// The user's template is deep-copied, never modified. Thread-safe (no state).
/// </summary>
public static class WorkerPodBuilder
{
    public const string TrainerContainer = OperatorSpecValidator.TrainerContainerName;
    public const string JobSpecVolume = "twa-job-spec";
    public const string JobSpecMountPath = "/etc/twa/job";
    public const string JobSpecFile = "job.yaml";
    public const string MetricsPortName = "metrics";
    public const string DistPortName = "dist";

    /// <summary>Number of consecutive ports from the dist base port used by rotating c10d stores.</summary>
    public const int DistPortCount = 8;

    /// <summary>The command of the trainer container.</summary>
    public static IReadOnlyList<string> Command { get; } = ["twa", "worker", "--job", $"{JobSpecMountPath}/{JobSpecFile}"];

    /// <summary>Names of the env vars the operator sets (4.2); a template's entries of the same name are replaced.</summary>
    public static IReadOnlyList<string> EnvNames { get; } =
    [
        "TWA_JOB_NAME", "TWA_JOB_NAMESPACE", "TWA_JOB_UID", "TWA_POD_NAME", "TWA_ORDINAL", "TWA_STORE", "TWA_REDIS_PASSWORD",
        "TWA_REDIS_TLS", "TWA_KEY_PREFIX", "TWA_DEVICE", "TWA_COLLECTIVE_TIMEOUT_SECONDS", "TWA_RENDEZVOUS_TIMEOUT_SECONDS",
        "TWA_METRICS_PORT", "TWA_DIST_BASE_PORT",
    ];

    /// <summary>The pod name of <paramref name="ordinal"/>.</summary>
    public static string PodName(string jobName, int ordinal) => $"{jobName}-worker-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The job's Redis key prefix <c>twa:{ns}:{job}:{uid}:</c> (DESIGN 7, OPERATOR.md 10.3).</summary>
    public static string KeyPrefix(string ns, string jobName, string uid) => $"twa:{ns}:{jobName}:{uid}:";

    /// <summary>Labels of every worker pod of the job (the selector is the job-name and role pair).</summary>
    public static Dictionary<string, string> SelectorLabels(string jobName) => new(StringComparer.Ordinal)
    {
        [TwaLabels.JobName] = jobName,
        [TwaLabels.Role] = TwaLabels.WorkerRole,
    };

    /// <summary>Hash of what shapes a pod (template, scheduling, monitoring, redis), stored as the pod's
    /// <c>twa.dev/template-hash</c> annotation: pods created after a template edit carry a different hash.</summary>
    public static string TemplateHash(ObservedTwaJob job, RedisSpec redis, ReconcilerOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        var spec = job.Job.Spec;
        var text = string.Join('\n', spec.Template?.ToJsonString() ?? options.DefaultTrainerImage ?? "",
            spec.Scheduling.ToString(), spec.Monitoring.ToString(), redis.ToString(), redis.PasswordSecretRef?.ToString() ?? "",
            spec.Elastic?.ToString() ?? "", options.DistBasePort.ToString(CultureInfo.InvariantCulture));
        return Hash(text);
    }

    /// <summary>A new pod object for <paramref name="ordinal"/>, owned by the caller.</summary>
    /// <param name="job">The job; its spec must have passed validation.</param>
    /// <param name="ordinal">The pod's ordinal.</param>
    /// <param name="redis">The effective Redis (the job's, or the chart's default).</param>
    /// <param name="options">Operator settings.</param>
    public static JsonObject Build(ObservedTwaJob job, int ordinal, RedisSpec redis, ReconcilerOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        var spec = job.Job.Spec;
        var name = PodName(job.Name, ordinal);
        var template = spec.Template?.DeepClone().AsObject() ?? DefaultTemplate(options);
        var podSpec = template["spec"]?.DeepClone() as JsonObject ?? throw new ArgumentException("spec.template.spec: required", nameof(job));

        var labels = template["metadata"]?["labels"] as JsonObject ?? [];
        labels = labels.DeepClone().AsObject();
        labels[TwaLabels.AppName] = TwaLabels.WorkerAppName;
        labels[TwaLabels.ManagedBy] = TwaLabels.FieldManager;
        labels[TwaLabels.JobName] = job.Name;
        labels[TwaLabels.JobUid] = job.Uid;
        labels[TwaLabels.Role] = TwaLabels.WorkerRole;
        labels[TwaLabels.Ordinal] = ordinal.ToString(CultureInfo.InvariantCulture);
        var annotations = (template["metadata"]?["annotations"] as JsonObject)?.DeepClone().AsObject() ?? [];
        annotations[TwaLabels.TemplateHash] = TemplateHash(job, redis, options);

        podSpec["restartPolicy"] = "Never";
        podSpec["hostname"] = name;
        podSpec["subdomain"] = job.Name;
        podSpec["automountServiceAccountToken"] = false;
        if (spec.Scheduling.SchedulerName is { } scheduler)
        {
            podSpec["schedulerName"] = scheduler;
        }

        if (spec.Scheduling.PriorityClassName is { } priority)
        {
            podSpec["priorityClassName"] = priority;
        }

        var volumes = ArrayOf(podSpec, "volumes");
        RemoveNamed(volumes, JobSpecVolume);
        volumes.Add(new JsonObject { ["name"] = JobSpecVolume, ["configMap"] = new JsonObject { ["name"] = JobChildren.ConfigMapName(job.Name) } });

        var trainer = (podSpec["containers"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["name"] == TrainerContainer)
            ?? throw new ArgumentException($"spec.template.spec.containers: no container named '{TrainerContainer}'", nameof(job));
        ConfigureTrainer(trainer, job, ordinal, redis, options);

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = job.Namespace,
                ["labels"] = labels,
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(JobChildren.OwnerReference(job)),
            },
            ["spec"] = podSpec,
        };
    }

    private static void ConfigureTrainer(JsonObject trainer, ObservedTwaJob job, int ordinal, RedisSpec redis, ReconcilerOptions options)
    {
        var spec = job.Job.Spec;
        var elastic = spec.Elastic ?? new ElasticSpec();
        var metricsPort = spec.Monitoring.Port;
        trainer["command"] = new JsonArray([.. Command.Select(c => (JsonNode)c)]);
        trainer.Remove("args");
        trainer["terminationMessagePolicy"] = "FallbackToLogsOnError";

        var ports = ArrayOf(trainer, "ports");
        RemoveNamed(ports, MetricsPortName);
        RemoveNamed(ports, DistPortName);
        ports.Add(new JsonObject { ["name"] = MetricsPortName, ["containerPort"] = metricsPort, ["protocol"] = "TCP" });
        ports.Add(new JsonObject { ["name"] = DistPortName, ["containerPort"] = options.DistBasePort, ["protocol"] = "TCP" });

        var mounts = ArrayOf(trainer, "volumeMounts");
        RemoveNamed(mounts, JobSpecVolume);
        mounts.Add(new JsonObject { ["name"] = JobSpecVolume, ["mountPath"] = JobSpecMountPath, ["readOnly"] = true });

        trainer["startupProbe"] = Probe("/healthz", periodSeconds: 5, failureThreshold: 120);
        trainer["readinessProbe"] = Probe("/readyz", periodSeconds: 5, failureThreshold: 1);
        trainer["livenessProbe"] = Probe("/healthz", periodSeconds: 30, failureThreshold: 3);

        var env = ArrayOf(trainer, "env");
        foreach (var n in EnvNames)
        {
            RemoveNamed(env, n);
        }

        var inv = CultureInfo.InvariantCulture;
        void Add(string n, string value) => env.Add(new JsonObject { ["name"] = n, ["value"] = value });
        Add("TWA_JOB_NAME", job.Name);
        Add("TWA_JOB_NAMESPACE", job.Namespace);
        Add("TWA_JOB_UID", job.Uid);
        env.Add(new JsonObject
        {
            ["name"] = "TWA_POD_NAME",
            ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = "metadata.name" } },
        });
        Add("TWA_ORDINAL", ordinal.ToString(inv));
        Add("TWA_STORE", $"redis://{redis.Address}/{redis.Database.ToString(inv)}");
        if (redis.PasswordSecretRef is { } secret)
        {
            env.Add(new JsonObject
            {
                ["name"] = "TWA_REDIS_PASSWORD",
                ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret.Name, ["key"] = secret.Key } },
            });
        }

        Add("TWA_REDIS_TLS", redis.Tls ? "true" : "false");
        Add("TWA_KEY_PREFIX", KeyPrefix(job.Namespace, job.Name, job.Uid));
        Add("TWA_DEVICE", RequestsGpu(trainer) ? "cuda:0" : "cpu");
        Add("TWA_COLLECTIVE_TIMEOUT_SECONDS", elastic.CollectiveTimeoutSeconds.ToString(inv));
        Add("TWA_RENDEZVOUS_TIMEOUT_SECONDS", elastic.RendezvousTimeoutSeconds.ToString(inv));
        Add("TWA_METRICS_PORT", metricsPort.ToString(inv));
        Add("TWA_DIST_BASE_PORT", options.DistBasePort.ToString(inv));
    }

    private static JsonObject Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = MetricsPortName },
        ["periodSeconds"] = periodSeconds,
        ["failureThreshold"] = failureThreshold,
    };

    /// <summary>True when the container requests or limits <c>nvidia.com/gpu</c> above 0.</summary>
    private static bool RequestsGpu(JsonObject container)
    {
        foreach (var section in new[] { "limits", "requests" })
        {
            if (container["resources"]?[section]?["nvidia.com/gpu"] is JsonValue v)
            {
                var text = v.ToString();
                if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) && n > 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static JsonObject DefaultTemplate(ReconcilerOptions options) => new()
    {
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = TrainerContainer,
                ["image"] = options.DefaultTrainerImage ?? throw new InvalidOperationException("spec.template is unset and no default trainer image is configured"),
            }),
        },
    };

    private static JsonArray ArrayOf(JsonObject parent, string key)
    {
        if (parent[key] is JsonArray existing)
        {
            return existing;
        }

        var created = new JsonArray();
        parent[key] = created;
        return created;
    }

    private static void RemoveNamed(JsonArray array, string name)
    {
        for (var i = array.Count - 1; i >= 0; i--)
        {
            if (array[i] is JsonObject o && (string?)o["name"] == name)
            {
                array.RemoveAt(i);
            }
        }
    }

    internal static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
