using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Jobs.Operator;
using Twa.Operator.Reconcile;

namespace Twa.Operator.Tests.Reconcile;

public sealed class WorkerPodBuilderTests
{
    private static readonly ReconcilerOptions s_options = new() { DistBasePort = 29500 };

    private static ObservedTwaJob Job(V1Alpha1TwaJob? job = null) => new() { Job = job ?? Jobs.Elastic() };

    private static RedisSpec Redis(ObservedTwaJob job) => job.Job.Spec.Redis!;

    private static JsonObject Trainer(JsonObject pod) =>
        pod["spec"]!["containers"]!.AsArray().OfType<JsonObject>().Single(c => (string?)c["name"] == "trainer");

    [Fact]
    public void Build_ExampleJob_HasIdentityLabelsOwnerAndHostname()
    {
        var job = Job();
        var pod = WorkerPodBuilder.Build(job, 3, Redis(job), s_options);

        Assert.Equal("demo-worker-3", (string?)pod["metadata"]!["name"]);
        Assert.Equal("ml", (string?)pod["metadata"]!["namespace"]);
        var labels = pod["metadata"]!["labels"]!.AsObject();
        Assert.Equal("ml", (string?)labels["team"]); // the template's labels are kept
        Assert.Equal("twa-worker", (string?)labels["app.kubernetes.io/name"]);
        Assert.Equal("twa-operator", (string?)labels["app.kubernetes.io/managed-by"]);
        Assert.Equal("demo", (string?)labels["twa.dev/job-name"]);
        Assert.Equal("0f0e0d0c-uid", (string?)labels["twa.dev/job-uid"]);
        Assert.Equal("worker", (string?)labels["twa.dev/role"]);
        Assert.Equal("3", (string?)labels["twa.dev/ordinal"]);
        Assert.Equal(WorkerPodBuilder.TemplateHash(job, Redis(job), s_options), (string?)pod["metadata"]!["annotations"]!["twa.dev/template-hash"]);
        var owner = pod["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal("twa.dev/v1alpha1", (string?)owner["apiVersion"]);
        Assert.Equal("TwaJob", (string?)owner["kind"]);
        Assert.Equal("0f0e0d0c-uid", (string?)owner["uid"]);
        Assert.True((bool)owner["controller"]!);
        Assert.True((bool)owner["blockOwnerDeletion"]!);
        var spec = pod["spec"]!;
        Assert.Equal("Never", (string?)spec["restartPolicy"]);
        Assert.Equal("demo-worker-3", (string?)spec["hostname"]);
        Assert.Equal("demo", (string?)spec["subdomain"]);
        Assert.False((bool)spec["automountServiceAccountToken"]!);
        var volumes = spec["volumes"]!.AsArray();
        Assert.Contains(volumes, v => (string?)v!["name"] == "datasets");
        Assert.Contains(volumes, v => (string?)v!["name"] == "twa-job-spec" && (string?)v["configMap"]!["name"] == "demo-spec");
    }

    [Fact]
    public void Build_ExampleJob_TrainerHasCommandMountPortsProbesAndExactEnv()
    {
        var job = Job();
        var trainer = Trainer(WorkerPodBuilder.Build(job, 1, Redis(job), s_options));

        Assert.Equal(["twa", "worker", "--job", "/etc/twa/job/job.yaml"], trainer["command"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("FallbackToLogsOnError", (string?)trainer["terminationMessagePolicy"]);
        var mounts = trainer["volumeMounts"]!.AsArray();
        Assert.Contains(mounts, m => (string?)m!["name"] == "twa-job-spec" && (string?)m["mountPath"] == "/etc/twa/job" && (bool)m["readOnly"]!);
        Assert.Contains(mounts, m => (string?)m!["name"] == "datasets");
        var ports = trainer["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);
        Assert.Equal(new Dictionary<string, int> { ["metrics"] = 9400, ["dist"] = 29500 }, ports);
        Assert.Equal("/healthz", (string?)trainer["startupProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/readyz", (string?)trainer["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz", (string?)trainer["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("metrics", (string?)trainer["readinessProbe"]!["httpGet"]!["port"]);

        var env = trainer["env"]!.AsArray().OfType<JsonObject>().ToDictionary(e => (string)e["name"]!);
        Assert.Equal(WorkerPodBuilder.EnvNames.Order(StringComparer.Ordinal), env.Keys.Order(StringComparer.Ordinal));
        string V(string n) => (string)env[n]["value"]!;
        Assert.Equal("demo", V("TWA_JOB_NAME"));
        Assert.Equal("ml", V("TWA_JOB_NAMESPACE"));
        Assert.Equal("0f0e0d0c-uid", V("TWA_JOB_UID"));
        Assert.Equal("metadata.name", (string?)env["TWA_POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("1", V("TWA_ORDINAL"));
        Assert.Equal("redis://twa-redis:6379/0", V("TWA_STORE"));
        Assert.Equal("twa-redis", (string?)env["TWA_REDIS_PASSWORD"]["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Equal("password", (string?)env["TWA_REDIS_PASSWORD"]["valueFrom"]!["secretKeyRef"]!["key"]);
        Assert.Equal("false", V("TWA_REDIS_TLS"));
        Assert.Equal("twa:ml:demo:0f0e0d0c-uid:", V("TWA_KEY_PREFIX"));
        Assert.Equal("cpu", V("TWA_DEVICE"));
        Assert.Equal("300", V("TWA_COLLECTIVE_TIMEOUT_SECONDS"));
        Assert.Equal("300", V("TWA_RENDEZVOUS_TIMEOUT_SECONDS"));
        Assert.Equal("9400", V("TWA_METRICS_PORT"));
        Assert.Equal("29500", V("TWA_DIST_BASE_PORT"));
        Assert.DoesNotContain(env.Keys, k => k is "RANK" or "WORLD_SIZE" or "MASTER_ADDR" or "LOCAL_RANK");
    }

    [Fact]
    public void Build_TemplateWithGpuArgsAndConflictingEnv_ForcesOperatorValuesWithoutTouchingTemplate()
    {
        var yaml = Jobs.ExampleText
            .Replace("name: fashion-mnist-lenet-elastic", "name: gpu\n  namespace: ml\n  uid: u-1", StringComparison.Ordinal)
            .Replace("limits: {memory: 4Gi}", "limits: {memory: 4Gi, nvidia.com/gpu: 1}\n        args: [--oops]\n        env: [{name: TWA_ORDINAL, value: '99'}, {name: KEEP, value: me}]",
                StringComparison.Ordinal);
        var job = Job(Jobs.Parse(yaml));
        var before = job.Job.Spec.Template!.ToJsonString();

        var trainer = Trainer(WorkerPodBuilder.Build(job, 0, Redis(job), s_options));

        Assert.Null(trainer["args"]);
        var env = trainer["env"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Single(env, e => (string?)e["name"] == "TWA_ORDINAL");
        Assert.Equal("0", (string?)env.Single(e => (string?)e["name"] == "TWA_ORDINAL")["value"]);
        Assert.Equal("me", (string?)env.Single(e => (string?)e["name"] == "KEEP")["value"]);
        Assert.Equal("cuda:0", (string?)env.Single(e => (string?)e["name"] == "TWA_DEVICE")["value"]);
        Assert.Equal(before, job.Job.Spec.Template!.ToJsonString());
    }

    [Fact]
    public void JobYaml_ExampleJob_ParsesBackToTheSameSpec()
    {
        var job = Job();

        var text = JobChildren.JobYaml(job);
        var parsed = TwaJobLoader.Parse(text, "configmap job.yaml");

        Assert.Equal("demo", parsed.Metadata.Name);
        Assert.Equal("0f0e0d0c-uid", parsed.Metadata.Uid);
        Assert.Null(parsed.Status);
        Assert.Equal(JobChildren.JobYaml(job with { Job = parsed }), text);
        Assert.Equal(job.Job.Spec.Training.Base!.Epochs, parsed.Spec.Training.Base!.Epochs);
        Assert.Equal(job.Job.Spec.Training.Twa!.Variant, parsed.Spec.Training.Twa!.Variant);
    }

    [Fact]
    public void ServiceAndConfigMap_ExampleJob_HeadlessOwnedAndHashed()
    {
        var job = Job();

        var svc = JobChildren.Service(job, s_options);
        var cm = JobChildren.ConfigMap(job);

        Assert.Equal("demo", svc.Name);
        Assert.Equal("None", (string?)svc.Manifest["spec"]!["clusterIP"]);
        Assert.True((bool)svc.Manifest["spec"]!["publishNotReadyAddresses"]!);
        Assert.Equal("demo", (string?)svc.Manifest["spec"]!["selector"]!["twa.dev/job-name"]);
        Assert.Equal("worker", (string?)svc.Manifest["spec"]!["selector"]!["twa.dev/role"]);
        Assert.Equal("demo-spec", cm.Name);
        Assert.Equal(JobChildren.JobYaml(job), (string?)cm.Manifest["data"]!["job.yaml"]);
        Assert.Equal(cm.Hash, (string?)cm.Manifest["metadata"]!["annotations"]!["twa.dev/spec-hash"]);
        Assert.True((bool)cm.Manifest["metadata"]!["ownerReferences"]![0]!["controller"]!);
        var edited = job with { Job = job.Job with { Spec = job.Job.Spec with { Replicas = 3 } } };
        Assert.NotEqual(cm.Hash, JobChildren.ConfigMap(edited).Hash);
        Assert.Equal(svc.Hash, JobChildren.Service(edited, s_options).Hash);
    }

    [Fact]
    public void Build_NoTemplate_UsesTheOperatorsDefaultTrainerImage()
    {
        var example = Jobs.Elastic();
        var job = Job(example with { Spec = example.Spec with { Template = null } });

        var pod = WorkerPodBuilder.Build(job, 0, Redis(job), s_options with { DefaultTrainerImage = "ghcr.io/twa/trainer:9" });

        Assert.Equal("ghcr.io/twa/trainer:9", (string?)Trainer(pod)["image"]);
        Assert.Equal("demo-spec", (string?)pod["spec"]!["volumes"]![0]!["configMap"]!["name"]);
        Assert.Throws<InvalidOperationException>(() => WorkerPodBuilder.Build(job, 0, Redis(job), s_options));
    }
}
