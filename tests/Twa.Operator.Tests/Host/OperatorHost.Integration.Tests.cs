using System.Diagnostics;
using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;
using Twa.Operator.Reconcile;
using Twa.Testing.Redis;

namespace Twa.Operator.Tests.Host;

/// <summary>The operator runtime end to end against the fake API server (real HTTP, watches) and a real redis-server,
/// with the kubelet simulated by <see cref="OperatorWorld"/>.</summary>
public sealed class OperatorHostIntegrationTests
{
    [Fact(Timeout = 120_000)]
    public async Task Run_JobLifecycle_PodsServiceConfigMapGenerationsScaleFailureAndCompletion()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("life", replicas: 2));

        await w.WaitUntilAsync(() => w.Membership("life", uid) is { WorldSize: 2 } && w.ConditionIs("life", "Running", "True"), "2 members Ready, Running=True");
        Assert.NotNull(w.Api.Get(new Twa.Kubernetes.ResourceDescriptor("", "v1", "services", "Service"), OperatorWorld.Ns, "life"));
        Assert.NotNull(w.Api.Get(new Twa.Kubernetes.ResourceDescriptor("", "v1", "configmaps", "ConfigMap"), OperatorWorld.Ns, "life-spec"));
        Assert.Equal(["life-worker-0", "life-worker-1"], w.Pods("life").Select(p => p.Metadata.Name!).Order());
        Assert.Contains(TwaLabels.RedisCleanupFinalizer, w.Job("life")!["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f));
        var g1 = w.Membership("life", uid)!.Generation;

        // scale 2 -> 3 -> 1 through the scale subresource
        await w.Client.PatchScaleAsync<Twa.Operator.Runtime.TwaJobResource>("life", OperatorWorld.Ns, KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 3 } }));
        await w.WaitUntilAsync(() => w.Membership("life", uid) is { WorldSize: 3 }, "a generation with 3 members");
        Assert.True(w.Membership("life", uid)!.Generation > g1);
        await w.Client.PatchScaleAsync<Twa.Operator.Runtime.TwaJobResource>("life", OperatorWorld.Ns, KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 1 } }));
        await w.WaitUntilAsync(() => w.Membership("life", uid) is { WorldSize: 1 }, "a generation with 1 member");
        var survivor = w.Membership("life", uid)!.Members.Single().Pod;
        foreach (var drained in w.Pods("life").Where(p => p.Metadata.Name != survivor && p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Name!).ToList())
        {
            await w.TerminateAsync(drained, 0, """{"result":"removed"}""");
        }

        await w.WaitUntilAsync(() => w.Pods("life").Count == 1, "drained pods deleted");

        // a failing member is counted once and replaced
        await w.TerminateAsync(survivor, 1, "boom");
        await w.WaitUntilAsync(() => (int?)w.Job("life")?["status"]?["restarts"]?["failureRestarts"] == 1, "failureRestarts = 1");
        await w.WaitUntilAsync(() => w.Membership("life", uid) is { WorldSize: 1 } m && !m.Contains(survivor) && w.ConditionIs("life", "Running", "True"), "a replacement member Ready", 60);
        await Task.Delay(500);
        Assert.Equal(1, (int?)w.Job("life")!["status"]!["restarts"]!["failureRestarts"]);

        // back to 2, then rank 0 reports completion: Succeeded, and cleanPodPolicy Running deletes the other member
        await w.Client.PatchScaleAsync<Twa.Operator.Runtime.TwaJobResource>("life", OperatorWorld.Ns, KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 2 } }));
        await w.WaitUntilAsync(() => w.Membership("life", uid) is { WorldSize: 2 } && w.ConditionIs("life", "Running", "True"), "2 members Ready", 60);
        var rank0 = w.Membership("life", uid)!.RankZero!.Pod;
        await w.TerminateAsync(rank0, 0, """{"result":"completed","message":"accuracy 0.91"}""");
        await w.WaitUntilAsync(() => w.ConditionIs("life", "Succeeded", "True", "TrainerCompleted"), "Succeeded/TrainerCompleted");
        await w.WaitUntilAsync(() => w.Pods("life").All(p => p.Status?.Phase is "Succeeded" or "Failed"), "cleanPodPolicy Running: running pods deleted, finished ones kept");
        Assert.Equal("Succeeded", w.Pods("life").Single(p => p.Metadata.Name == rank0).Status!.Phase);
        Assert.Contains(w.Pods("life"), p => p.Status!.Phase == "Failed" && p.Metadata.Name == survivor); // failedPodHistoryLimit
        Assert.Contains(w.Events(), e => e.Reason == "TrainerCompleted" && e.InvolvedObject.Name == "life");
        Assert.Equal(1, (int?)w.Job("life")!["status"]!["restarts"]!["failureRestarts"]);
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_BadJobs_FailWithInvalidSpecOrStoreUnavailableWhileAGoodJobRuns()
    {
        await using var w = await OperatorWorld.StartAsync();
        var host = w.StartHost("op-a");
        w.CreateJob("unknown-field", edit: y => y.Replace("  replicas: 2\n", "  replicas: 2\n  replicaz: 3\n", StringComparison.Ordinal));
        w.CreateJob("min-max", min: 3, max: 2, replicas: 2);
        w.CreateJob("out-of-range", replicas: 9, min: 1, max: 4);
        w.CreateJob("no-trainer", edit: y => y.Replace("      - name: trainer\n", "      - name: other\n", StringComparison.Ordinal));
        using var closed = new ClosedPort();
        var lost = w.CreateJob("no-redis", edit: y => y.Replace($"address: \"{w.Redis.Endpoint}\"", $"address: \"{closed.Endpoint}\"", StringComparison.Ordinal));
        var good = OperatorWorld.Uid(w.CreateJob("good", replicas: 2));

        await w.WaitUntilAsync(() => w.ConditionIs("unknown-field", "Failed", "True", "InvalidSpec"), "unknown-field: InvalidSpec");
        Assert.Contains("replicaz", (string?)w.Condition("unknown-field", "Failed")!["message"], StringComparison.Ordinal);
        await w.WaitUntilAsync(() => w.ConditionIs("min-max", "Failed", "True", "InvalidSpec"), "min-max: InvalidSpec");
        Assert.Contains("minReplicas", (string?)w.Condition("min-max", "Failed")!["message"], StringComparison.Ordinal);
        await w.WaitUntilAsync(() => w.ConditionIs("no-trainer", "Failed", "True", "InvalidSpec"), "no-trainer: InvalidSpec");
        Assert.Contains("trainer", (string?)w.Condition("no-trainer", "Failed")!["message"], StringComparison.Ordinal);
        await w.WaitUntilAsync(() => w.ConditionIs("out-of-range", "Failed", "True", "InvalidSpec"), "out-of-range: InvalidSpec");
        Assert.Contains("9 is outside elastic [1, 4]", (string?)w.Condition("out-of-range", "Failed")!["message"], StringComparison.Ordinal);
        await w.WaitUntilAsync(() => w.ConditionIs("no-redis", "Running", "False", "StoreUnavailable"), "no-redis: Running=False/StoreUnavailable");
        await w.WaitUntilAsync(() => w.Membership("good", good) is { WorldSize: 2 } && w.ConditionIs("good", "Running", "True"), "the good job runs");

        Assert.Contains(w.Events(), e => e.InvolvedObject.Name == "unknown-field" && e.Reason == "InvalidSpec" && e.Type == "Warning");

        // a failed bad job is settled: no status rewrites (its status reads back equal although its spec never binds)
        var versions = new[] { "unknown-field", "min-max", "out-of-range", "no-trainer" }.ToDictionary(j => j, j => (string?)w.Job(j)!["metadata"]!["resourceVersion"]);
        await Task.Delay(1500);
        Assert.All(versions, kv => Assert.Equal(kv.Value, (string?)w.Job(kv.Key)!["metadata"]!["resourceVersion"]));
        Assert.Empty(w.Pods("unknown-field"));
        Assert.False(w.Hosts[0].Run.IsCompleted);
        Assert.NotNull(lost);
        Assert.True(host.Ready().Ok);
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_RestartAndLeaderChange_NoDuplicatePodsAndRestartCountsKept()
    {
        await using var w = await OperatorWorld.StartAsync();
        var a = w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("ha", replicas: 2));
        await w.WaitUntilAsync(() => w.Membership("ha", uid) is { WorldSize: 2 } && w.ConditionIs("ha", "Running", "True"), "2 members Ready");
        await w.TerminateAsync("ha-worker-1", 1, "boom");
        await w.WaitUntilAsync(() => (int?)w.Job("ha")?["status"]?["restarts"]?["failureRestarts"] == 1, "failureRestarts = 1");

        // restart: stop the host, start a new one
        Assert.Equal(0, await w.StopHostAsync(a));
        var b = w.StartHost("op-b");
        var c = w.StartHost("op-c");
        await w.WaitUntilAsync(() => b.IsLeading || c.IsLeading, "a new leader", 30);
        await w.WaitUntilAsync(() => w.Membership("ha", uid) is { WorldSize: 2 } && w.ConditionIs("ha", "Running", "True"), "2 members Ready again", 60);

        // leader change: someone else takes the lease; the leader exits with 1, the standby takes over
        var (leader, standby) = b.IsLeading ? (b, c) : (c, b);
        await TakeLeaseAsync(w, "intruder");
        var exit = await w.Hosts.Single(h => h.Host == leader).Run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, exit);
        Assert.True(leader.LostLease);
        await w.WaitUntilAsync(() => standby.IsLeading, "the standby leads", 30);
        Assert.False(leader.IsLeading);

        await w.TerminateAsync(w.Membership("ha", uid)!.Members[0].Pod, 1, "boom again");
        await w.WaitUntilAsync(() => (int?)w.Job("ha")?["status"]?["restarts"]?["failureRestarts"] == 2, "failureRestarts = 2 (kept across restart and leader change)", 60);
        await w.WaitUntilAsync(() => w.Membership("ha", uid) is { WorldSize: 2 } && w.ConditionIs("ha", "Running", "True"), "2 members Ready after the failure", 60);
        var active = w.Pods("ha").Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is "Running" or "Pending").ToList();
        Assert.Equal(2, active.Count);
        Assert.Equal(active.Count, active.Select(p => p.Metadata.Labels![TwaLabels.Ordinal]).Distinct().Count());
    }

    /// <summary>Takes the operator's Lease for <paramref name="holder"/> the way another candidate would: read, change,
    /// replace, and read again when the leader renewed it in between (409 Conflict on a stale resourceVersion).</summary>
    private static async Task TakeLeaseAsync(OperatorWorld w, string holder)
    {
        for (var attempt = 1; ; attempt++)
        {
            var lease = w.Api.Get(new Twa.Kubernetes.ResourceDescriptor("coordination.k8s.io", "v1", "leases", "Lease"), "twa-system", "twa-operator")!;
            lease["spec"]!["holderIdentity"] = holder;
            lease["spec"]!["renewTime"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                await w.Client.ReplaceAsync(Twa.Kubernetes.Serialization.KubernetesJson.Deserialize<V1Lease>(lease.ToJsonString()));
                return;
            }
            catch (KubernetesApiException e) when (e.IsConflictStatus && attempt < 10)
            {
                // the leader renewed between our read and our write: read the new version and try again
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_RedisWithPasswordSecret_PublishesWithThePasswordAndAMissingSecretIsStoreUnavailable()
    {
        await using var w = await OperatorWorld.StartAsync();
        using var secured = RedisTestServer.Start(new RedisTestServerOptions { Password = "s3cret" });
        w.StartHost("op-a");
        await w.Client.CreateAsync(new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = "job-redis", Namespace = OperatorWorld.Ns },
            StringData = new Dictionary<string, string> { ["password"] = "s3cret" },
        });
        string WithSecret(string yaml, string secret) => yaml
            .Replace($"address: \"{w.Redis.Endpoint}\"", $"address: \"{secured.Endpoint}\"\n    passwordSecretRef: {{name: {secret}, key: password}}", StringComparison.Ordinal);
        var uid = OperatorWorld.Uid(w.CreateJob("pw", replicas: 1, edit: y => WithSecret(y, "job-redis")));
        w.CreateJob("pw-missing", replicas: 1, edit: y => WithSecret(y, "no-such-secret"));

        // the simulated kubelet watches the other Redis, so members never turn Ready here: the published record is the proof
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{secured.Endpoint},password=s3cret");
        var key = WorkerPodBuilder.KeyPrefix(OperatorWorld.Ns, "pw", uid) + "membership";
        await w.WaitUntilAsync(() => mux.GetDatabase().KeyExists(key), "generation 1 published to the password-protected Redis");
        Assert.Equal(1, MembershipRecord.FromJson((await mux.GetDatabase().StringGetAsync(key)).ToString()).WorldSize);
        Assert.False(w.ConditionIs("pw", "Running", "False", "StoreUnavailable"));
        await w.WaitUntilAsync(() => w.ConditionIs("pw-missing", "Running", "False", "StoreUnavailable"), "missing Secret: StoreUnavailable");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_JobDeleted_FinalizerCleansRedisPrefixThenJobDisappears()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("gone", replicas: 1));
        await w.WaitUntilAsync(() => w.Membership("gone", uid) is not null, "generation published");
        var prefix = WorkerPodBuilder.KeyPrefix(OperatorWorld.Ns, "gone", uid);
        var db = w.Mux.GetDatabase();
        await db.StringSetAsync(prefix + "snapshot:1", "x");
        await db.StringSetAsync("twa:ml:other:uid:membership", "keep");

        await w.Client.DeleteAsync<Twa.Operator.Runtime.TwaJobResource>("gone", OperatorWorld.Ns);
        await w.WaitUntilAsync(() => w.Job("gone") is null, "the job is gone");
        Assert.False(await db.KeyExistsAsync(prefix + "membership"));
        Assert.False(await db.KeyExistsAsync(prefix + "snapshot:1"));
        Assert.True(await db.KeyExistsAsync("twa:ml:other:uid:membership"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Metrics_RealOutput_PassesPromtoolCheckMetrics()
    {
        await using var w = await OperatorWorld.StartAsync();
        var port = RedisTestServer.FreePort();
        var host = w.StartHost("op-a", port);
        var uid = OperatorWorld.Uid(w.CreateJob("metered", replicas: 2));
        await w.WaitUntilAsync(() => w.Membership("metered", uid) is { WorldSize: 2 } && w.ConditionIs("metered", "Running", "True"), "job running");
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("controller_runtime_reconcile_total{controller=\"twajob\"", text, StringComparison.Ordinal);
        Assert.Contains("twa_job_world_size{namespace=\"ml\",twajob=\"metered\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("twa_operator_leader 1", text, StringComparison.Ordinal);
        Assert.Contains("twa_jobs{state=\"Running\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("twa_operator_api_requests_total{verb=\"create\",resource=\"pods\",code=\"201\"}", text, StringComparison.Ordinal);
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/readyz")));
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz")));

        var info = new ProcessStartInfo("promtool", "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try
        {
            p = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed; run `make deps` (Debian package prometheus)", e);
        }

        using (p)
        {
            await p.StandardInput.WriteAsync(text);
            p.StandardInput.Close();
            var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, $"promtool check metrics failed:\n{output}");
        }

        Assert.True(host.IsLeading);
    }
}
