using System.Text.Json.Nodes;
using StackExchange.Redis;
using Twa.Jobs.Operator;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;
using Twa.Operator.Host;
using Twa.Operator.Reconcile;
using Twa.Operator.Runtime;
using Twa.Testing.Redis;


namespace Twa.Operator.Tests.Host;

/// <summary>
/// A fake API server, a real redis-server, operator hosts running in-process against them, and a small kubelet
/// simulator: pods the operator creates become Running with the trainer started, members of the current Redis
/// generation become Ready, others not; tests terminate pods with exit codes and termination messages. The trainer
/// itself is simulated here; tests/Twa.EndToEnd.Tests runs the pods as real `twa worker` processes.
/// </summary>
internal sealed class OperatorWorld : IAsyncDisposable
{
    public const string Ns = "ml";
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(OperatorHost Host, CancellationTokenSource Cts, Task<int> Run)> _hosts = [];
    private readonly Dictionary<OperatorHost, KubernetesClient> _hostClients = [];
    private readonly HashSet<string> _frozen = new(StringComparer.Ordinal);
    private Task? _kubelet;

    private OperatorWorld(FakeApiServer api, RedisTestServer redis)
    {
        Api = api;
        Redis = redis;
        Client = new KubernetesClient(api.ClientConfiguration());
        Mux = ConnectionMultiplexer.Connect(redis.Endpoint);
        Log = TextWriter.Synchronized(_logText);
    }

    public FakeApiServer Api { get; }

    /// <summary>The operators' log lines (shown when a wait times out).</summary>
    public TextWriter Log { get; }

    private readonly StringWriter _logText = new();

    private string LogText()
    {
        lock (Log)
        {
            return _logText.ToString();
        }
    }

    public RedisTestServer Redis { get; }

    public KubernetesClient Client { get; }

    public ConnectionMultiplexer Mux { get; }

    public IReadOnlyList<(OperatorHost Host, CancellationTokenSource Cts, Task<int> Run)> Hosts => _hosts;

    /// <summary>The operator replica's own client (its request counts are the operator's alone).</summary>
    public KubernetesClient ClientOf(OperatorHost host) => _hostClients[host];

    public static async Task<OperatorWorld> StartAsync()
    {
        var api = await FakeApiServer.StartAsync();
        var world = new OperatorWorld(api, new RedisTestServer());
        world._kubelet = Task.Run(() => world.KubeletAsync(world._stop.Token));
        return world;
    }

    /// <summary>Starts an operator replica named <paramref name="identity"/> (leader election on, short lease; every
    /// job re-queued each <paramref name="resync"/>, default 10 min).</summary>
    public OperatorHost StartHost(string identity, int httpPort = 0, TimeSpan? resync = null)
    {
        var settings = new OperatorSettings
        {
            Namespace = "twa-system",
            PodName = identity,
            LeaderElection = true,
            HttpPort = httpPort,
            LeaseDuration = TimeSpan.FromSeconds(8),
            RenewDeadline = TimeSpan.FromSeconds(6),
            RetryPeriod = TimeSpan.FromMilliseconds(500),
            LogLevel = LogLevel.Warn,
        };
        if (resync is { } period)
        {
            settings = settings with { ResyncPeriod = period };
        }

        var client = new KubernetesClient(Api.ClientConfiguration());
        var host = new OperatorHost(client, settings, new OperatorLog(Log, LogLevel.Info));
        _hostClients[host] = client;
        var cts = new CancellationTokenSource();
        _hosts.Add((host, cts, Task.Run(() => host.RunAsync(cts.Token))));
        return host;
    }

    /// <summary>Stops the replica (as SIGTERM would) and waits for it.</summary>
    public async Task<int> StopHostAsync(OperatorHost host)
    {
        var h = _hosts.Single(x => x.Host == host);
        await h.Cts.CancelAsync();
        var code = await h.Run.WaitAsync(TimeSpan.FromSeconds(20));
        host.Dispose();
        return code;
    }

    /// <summary>Creates the example job <paramref name="name"/> with Redis pointing at the test server.</summary>
    public JsonObject CreateJob(string name, int replicas = 2, int min = 1, int max = 4, Func<string, string>? edit = null)
    {
        var yaml = Twa.Operator.Tests.Reconcile.Jobs.ExampleText
            .Replace("name: fashion-mnist-lenet-elastic", $"name: {name}\n  namespace: {Ns}", StringComparison.Ordinal)
            .Replace("replicas: 2\n", $"replicas: {replicas}\n", StringComparison.Ordinal)
            .Replace("minReplicas: 1\n", $"minReplicas: {min}\n", StringComparison.Ordinal)
            .Replace("maxReplicas: 4\n", $"maxReplicas: {max}\n", StringComparison.Ordinal)
            .Replace("scaleCooldownSeconds: 60", "scaleCooldownSeconds: 0", StringComparison.Ordinal)
            .Replace("    passwordSecretRef: {name: twa-redis, key: password}\n", "", StringComparison.Ordinal)
            .Replace("address: twa-redis:6379", $"address: \"{Redis.Endpoint}\"", StringComparison.Ordinal);
        return Api.LoadYaml(edit is null ? yaml : edit(yaml)).Single();
    }

    public JsonObject? Job(string name) => Api.Get(FakeApiServer.TwaJobs, Ns, name);

    public IReadOnlyList<V1Pod> Pods(string job) =>
        [.. Api.List(new Twa.Kubernetes.ResourceDescriptor("", "v1", "pods", "Pod"), Ns)
            .Where(p => (string?)p["metadata"]!["labels"]?[TwaLabels.JobName] == job)
            .Select(p => Twa.Kubernetes.Serialization.KubernetesJson.Deserialize<V1Pod>(p.ToJsonString()))];

    public MembershipRecord? Membership(string job, string uid)
    {
        var v = Mux.GetDatabase().StringGet(WorkerPodBuilder.KeyPrefix(Ns, job, uid) + "membership");
        return v.IsNullOrEmpty ? null : MembershipRecord.FromJson(v.ToString());
    }

    public static string Uid(JsonObject job) => (string)job["metadata"]!["uid"]!;

    /// <summary>The condition <paramref name="type"/> of the job's status, or null.</summary>
    public JsonObject? Condition(string job, string type) =>
        Job(job)?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    public bool ConditionIs(string job, string type, string status, string? reason = null) =>
        Condition(job, type) is { } c && (string?)c["status"] == status && (reason is null || (string?)c["reason"] == reason);

    public IReadOnlyList<V1Event> Events() =>
        [.. Api.List(new Twa.Kubernetes.ResourceDescriptor("", "v1", "events", "Event"), Ns)
            .Select(e => Twa.Kubernetes.Serialization.KubernetesJson.Deserialize<V1Event>(e.ToJsonString()))];

    /// <summary>Terminates the trainer of <paramref name="pod"/> (the kubelet no longer touches this pod UID; a pod
    /// re-created under the same name is a new pod).</summary>
    public async Task TerminateAsync(string pod, int exitCode, string? message = null)
    {
        var podUid = (string)Api.Get(new Twa.Kubernetes.ResourceDescriptor("", "v1", "pods", "Pod"), Ns, pod)!["metadata"]!["uid"]!;
        lock (_frozen)
        {
            _frozen.Add(podUid);
        }

        var status = PodStatuses.Terminated(WorkerPodBuilder.TrainerContainer, exitCode, message);
        await Client.PatchStatusAsync<V1Pod>(pod, Ns, KubernetesPatch.Merge(status));
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until true; fails after <paramref name="seconds"/>
    /// with the jobs, pods and the operators' log in the message.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                var jobs = string.Join("\n", Api.List(FakeApiServer.TwaJobs, Ns).Select(j => $"{j["metadata"]!["name"]}: {j["status"]?.ToJsonString()}"));
                var pods = string.Join("\n", Api.List(new Twa.Kubernetes.ResourceDescriptor("", "v1", "pods", "Pod"), Ns)
                    .Select(p => $"{p["metadata"]!["name"]} {p["metadata"]!["uid"]} {p["status"]?["phase"]} del={p["metadata"]!["deletionTimestamp"]}"));
                var log = LogText();
                throw new TimeoutException($"timed out after {seconds} s waiting for: {what}\njobs:\n{jobs}\npods:\n{pods}\nlog tail:\n{log[Math.Max(0, log.Length - 6000)..]}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var h in _hosts)
        {
            await h.Cts.CancelAsync();
        }

        foreach (var h in _hosts)
        {
            try
            {
                await h.Run.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
            }

            h.Host.Dispose();
            h.Cts.Dispose();
            _hostClients[h.Host].Dispose();
        }

        await _stop.CancelAsync();
        if (_kubelet is not null)
        {
            try
            {
                await _kubelet.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (OperationCanceledException)
            {
            }
        }

        Client.Dispose();
        await Mux.DisposeAsync();
        await Api.DisposeAsync();
        Redis.Dispose();
        _stop.Dispose();
    }

    private async Task KubeletAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await KubeletPassAsync(ct);
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or RedisException or FormatException)
            {
                // a pod deleted under us, a stopped server at shutdown, or a record a test made unreadable: next pass
            }
        }
    }

    private async Task KubeletPassAsync(CancellationToken ct)
    {
        var pods = Api.List(new Twa.Kubernetes.ResourceDescriptor("", "v1", "pods", "Pod"), Ns);
        var records = new Dictionary<string, MembershipRecord?>(StringComparer.Ordinal);
        foreach (var p in pods)
        {
            var name = (string)p["metadata"]!["name"]!;
            var podUid = (string)p["metadata"]!["uid"]!;
            var job = (string?)p["metadata"]!["labels"]?[TwaLabels.JobName];
            var uid = (string?)p["metadata"]!["ownerReferences"]?[0]?["uid"];
            lock (_frozen)
            {
                if (_frozen.Contains(podUid) || job is null || uid is null)
                {
                    continue;
                }
            }

            if (!records.TryGetValue(uid, out var record))
            {
                records[uid] = record = Membership(job, uid);
            }

            var member = record?.Contains(name) == true;
            var ready = member ? "True" : "False";
            if ((string?)p["status"]?["phase"] == "Running"
                && (string?)p["status"]?["conditions"]?[0]?["status"] == ready)
            {
                continue;
            }

            var status = PodStatuses.Running(WorkerPodBuilder.TrainerContainer, started: true, ready: member);
            await Client.PatchStatusAsync<V1Pod>(name, Ns, KubernetesPatch.Merge(status), null, ct);
        }
    }
}
