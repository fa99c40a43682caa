using System.Diagnostics;
using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Operator.Reconcile;
using Twa.Operator.Runtime;

namespace Twa.Operator.Tests.Host;

/// <summary>The operator runtime when a step fails half-way or the world changes under it (a 409 on the status
/// write, an unreadable Redis record, deleted children, deletion with pods still running, jobs without a Redis),
/// against the fake API server and a real redis-server.</summary>
public sealed class OperatorRecoveryIntegrationTests
{
    private static readonly Twa.Kubernetes.ResourceDescriptor s_pods = new("", "v1", "pods", "Pod");

    private static int? FailureRestarts(OperatorWorld w, string job) => (int?)w.Job(job)?["status"]?["restarts"]?["failureRestarts"];

    [Fact(Timeout = 120_000)]
    public async Task Run_StatusConflictAfterAMemberVanished_FailureCountedAndPublished()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("conflict", replicas: 3));
        await w.WaitUntilAsync(() => w.Membership("conflict", uid) is { WorldSize: 3 } && w.ConditionIs("conflict", "Running", "True"), "3 members Ready");
        var g = w.Membership("conflict", uid)!.Generation;

        // the status write of the reconcile that counts the lost member answers 409
        w.Api.InjectFailures(1, 409, "update", "twajobs/status");
        await w.Client.DeleteAsync<V1Pod>("conflict-worker-2", OperatorWorld.Ns);

        await w.WaitUntilAsync(() => FailureRestarts(w, "conflict") == 1, "the vanished member counted although the first status write conflicted");
        await w.WaitUntilAsync(() => w.Membership("conflict", uid) is { } m && m.Generation > g && !m.Contains("conflict-worker-2"),
            "a generation without the vanished member");
        Assert.Contains(w.Api.Requests.Snapshot(), c => c is { Verb: "update", Resource: "twajobs/status", Code: 409 });
        Assert.Equal(TwaJobReasons.MemberFailed, w.Membership("conflict", uid)!.Reason);
        Assert.Equal(1, FailureRestarts(w, "conflict"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_OtherRanksExitCompletedBeforeRankZero_SucceedsWithoutFailureOrNewGeneration()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("done", replicas: 3));
        await w.WaitUntilAsync(() => w.Membership("done", uid) is { WorldSize: 3 } && w.ConditionIs("done", "Running", "True"), "3 members Ready");
        var m = w.Membership("done", uid)!;
        var completed = $$"""{"result":"completed","generation":{{m.Generation}}}""";
        var others = m.Members.Where(x => x.Rank != 0).Select(x => x.Pod).ToList();

        foreach (var pod in others)
        {
            await w.TerminateAsync(pod, 0, completed); // after the exit barrier every rank exits 0 with "completed"
        }

        await w.WaitUntilAsync(() => (int?)w.Job("done")?["status"]?["replicas"] == 1, "the operator saw the other ranks exit");
        await w.TerminateAsync(m.RankZero!.Pod, 0, completed.Replace("}", ""","testAccuracy":0.87}""", StringComparison.Ordinal));

        await w.WaitUntilAsync(() => w.ConditionIs("done", "Succeeded", "True", "TrainerCompleted"), "Succeeded/TrainerCompleted");
        Assert.Equal(0.87, (double?)w.Job("done")!["status"]!["result"]!["testAccuracy"]);
        Assert.Equal(0, FailureRestarts(w, "done") ?? 0);
        Assert.Equal(m.Generation, w.Membership("done", uid)!.Generation);
        Assert.Equal(3, w.Pods("done").Count); // none re-created
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_UnreadableMembershipRecord_StoreUnavailableRetriedWithoutFailingThenRecovers()
    {
        await using var w = await OperatorWorld.StartAsync();
        var host = w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("outage", replicas: 2, min: 2,
            edit: y => y.Replace("    scaleCooldownSeconds: 0\n", "    scaleCooldownSeconds: 0\n    minReplicasTimeoutSeconds: 2\n", StringComparison.Ordinal)));
        await w.WaitUntilAsync(() => w.Membership("outage", uid) is { WorldSize: 2 } && w.ConditionIs("outage", "Running", "True"), "2 members Ready");
        var key = WorkerPodBuilder.KeyPrefix(OperatorWorld.Ns, "outage", uid) + "membership";
        var db = w.Mux.GetDatabase();
        var record = (string)(await db.StringGetAsync(key))!;

        await db.StringSetAsync(key, "not a membership record");
        // any change of the job makes the operator read the record again
        await w.Client.PatchAsync<TwaJobResource>("outage", OperatorWorld.Ns, KubernetesPatch.Merge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["test/poke"] = "1" } },
        }));
        await w.WaitUntilAsync(() => w.ConditionIs("outage", "Running", "False", "StoreUnavailable"), "Running=False/StoreUnavailable");

        // retried with backoff (no event needed), and never failed by the 2 s minReplicas timeout meanwhile
        var since = Stopwatch.StartNew();
        var reconciles = host.Controller.Reconciles;
        await w.WaitUntilAsync(() => host.Controller.Reconciles >= reconciles + 3 && since.Elapsed > TimeSpan.FromSeconds(3), "three retries over 3 s");
        Assert.False(w.ConditionIs("outage", "Failed", "True"));
        Assert.Equal(2, w.Pods("outage").Count(p => p.Metadata.DeletionTimestamp is null));
        Assert.Equal(0, FailureRestarts(w, "outage") ?? 0);

        await db.StringSetAsync(key, record);
        await w.WaitUntilAsync(() => w.ConditionIs("outage", "Running", "True"), "Running=True again once the record reads");
        Assert.False(w.ConditionIs("outage", "Failed", "True"));
        Assert.Equal(MembershipRecord.FromJson(record).Generation, w.Membership("outage", uid)!.Generation);
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_ServiceAndConfigMapDeleted_RecreatedOnResync()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a", resync: TimeSpan.FromSeconds(1));
        var uid = OperatorWorld.Uid(w.CreateJob("kids", replicas: 1));
        await w.WaitUntilAsync(() => w.Membership("kids", uid) is { WorldSize: 1 } && w.ConditionIs("kids", "Running", "True"), "1 member Ready");
        var services = new Twa.Kubernetes.ResourceDescriptor("", "v1", "services", "Service");
        var configMaps = new Twa.Kubernetes.ResourceDescriptor("", "v1", "configmaps", "ConfigMap");
        Assert.NotNull(w.Api.Get(services, OperatorWorld.Ns, "kids"));

        await w.Client.DeleteAsync<V1Service>("kids", OperatorWorld.Ns);
        await w.Client.DeleteAsync<V1ConfigMap>("kids-spec", OperatorWorld.Ns);

        await w.WaitUntilAsync(() => w.Api.Get(services, OperatorWorld.Ns, "kids") is not null && w.Api.Get(configMaps, OperatorWorld.Ns, "kids-spec") is not null,
            "the Service and the spec ConfigMap re-created");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_JobDeletedWhilePodsRun_PodsDeletedFirstFinalizerKeptUntilTheyAreGoneThenCleaned()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a");
        var uid = OperatorWorld.Uid(w.CreateJob("drain", replicas: 2));
        await w.WaitUntilAsync(() => w.Membership("drain", uid) is { WorldSize: 2 } && w.ConditionIs("drain", "Running", "True"), "2 members Ready");
        var hold = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray("test.twa.dev/hold") } };
        foreach (var pod in new[] { "drain-worker-0", "drain-worker-1" })
        {
            await w.Client.PatchAsync<V1Pod>(pod, OperatorWorld.Ns, KubernetesPatch.Merge(hold.DeepClone().AsObject())); // pods that take a while to stop
        }

        await w.Client.DeleteAsync<TwaJobResource>("drain", OperatorWorld.Ns);
        await w.WaitUntilAsync(() => w.Pods("drain") is { Count: 2 } pods && pods.All(p => p.Metadata.DeletionTimestamp is not null), "both pods Terminating");
        Assert.NotNull(w.Job("drain")); // the finalizer stays while a pod of the job remains
        var prefix = WorkerPodBuilder.KeyPrefix(OperatorWorld.Ns, "drain", uid);
        var db = w.Mux.GetDatabase();
        await db.StringSetAsync(prefix + "state:committed", "a commit of a pod on its way out");

        var release = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } };
        foreach (var pod in new[] { "drain-worker-0", "drain-worker-1" })
        {
            await w.Client.PatchAsync<V1Pod>(pod, OperatorWorld.Ns, KubernetesPatch.Merge(release.DeepClone().AsObject()));
        }

        await w.WaitUntilAsync(() => w.Job("drain") is null, "the job is gone");
        Assert.Empty(w.Api.List(s_pods, OperatorWorld.Ns));
        Assert.False(await db.KeyExistsAsync(prefix + "state:committed"));
        Assert.False(await db.KeyExistsAsync(prefix + "membership"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_JobsWithoutARedisToClean_DeletedWithoutBlocking()
    {
        await using var w = await OperatorWorld.StartAsync();
        w.StartHost("op-a");
        string NoRedis(string y) => y.Replace($"  redis:\n    address: \"{w.Redis.Endpoint}\"\n", "", StringComparison.Ordinal);
        string OldFinalizer(string y) => y.Replace($"  namespace: {OperatorWorld.Ns}\n", $"  namespace: {OperatorWorld.Ns}\n  finalizers: [{TwaLabels.RedisCleanupFinalizer}]\n", StringComparison.Ordinal);
        w.CreateJob("bare", edit: NoRedis);
        w.CreateJob("bare-old", edit: y => OldFinalizer(NoRedis(y)));
        var unbound = OperatorWorld.Uid(w.CreateJob("unbound", edit: y => OldFinalizer(y.Replace("  replicas: 2\n", "  replicas: 2\n  replicaz: 3\n", StringComparison.Ordinal))));
        var prefix = WorkerPodBuilder.KeyPrefix(OperatorWorld.Ns, "unbound", unbound);
        var db = w.Mux.GetDatabase();
        await db.StringSetAsync(prefix + "snapshot:1", "written while its spec still bound");

        await w.WaitUntilAsync(() => new[] { "bare", "bare-old", "unbound" }.All(j => w.ConditionIs(j, "Failed", "True", "InvalidSpec")), "all three InvalidSpec");
        Assert.Null(w.Job("bare")!["metadata"]!["finalizers"]);

        foreach (var job in new[] { "bare", "bare-old", "unbound" })
        {
            await w.Client.DeleteAsync<TwaJobResource>(job, OperatorWorld.Ns);
        }

        await w.WaitUntilAsync(() => w.Job("bare") is null && w.Job("bare-old") is null && w.Job("unbound") is null, "all three jobs gone");
        Assert.False(await db.KeyExistsAsync(prefix + "snapshot:1")); // cleaned with the Redis of its unbindable spec
        Assert.DoesNotContain(w.Events(), e => e.Reason == TwaJobReasons.RedisCleanupFailed);
    }
}
