using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Twa.Jobs.Operator;
using Twa.Kubernetes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Testing;
using Twa.Operator.Host;
using Twa.Operator.Runtime;
using Twa.Testing.Redis;
using Twa.Training.Data;
using Xunit.Abstractions;

namespace Twa.EndToEnd.Tests;

/// <summary>
/// Issue 5's end-to-end test: the operator (in-process, leader election on) against the fake API server (real HTTP
/// and watches), a real redis-server, and a kubelet simulator that runs the operator's pods as real `twa worker`
/// processes (<see cref="ProcessKubelet"/>). A LeNet-5 job on a subset of Fashion-MNIST is applied, scaled 2 → 3 → 1
/// through the scale subresource, its last worker is SIGKILLed; it must finish Succeeded with rank 0's accuracy equal
/// (within noise) to the same job run by `twa train`, with one counted failure and the expected conditions and Events.
/// </summary>
public sealed class OperatorEndToEndIntegrationTests(ITestOutputHelper output)
{
    private const string Ns = "ml";
    private const string Name = "lenet";
    private static readonly ResourceDescriptor Pods = new("", "v1", "pods", "Pod");

    private static string JobYaml(string data, string redisAddress) => $$"""
        apiVersion: twa.dev/v1alpha1
        kind: TwaJob
        metadata: {name: {{Name}}, namespace: {{Ns}}}
        spec:
          replicas: 2
          elastic: {minReplicas: 1, maxReplicas: 3, scaleCooldownSeconds: 0, rendezvousTimeoutSeconds: 60, collectiveTimeoutSeconds: 60}
          redis: {address: "{{redisAddress}}"}
          failurePolicy: {maxRestarts: 3, backoffSeconds: 1}
          runPolicy: {cleanPodPolicy: Running}
          template:
            spec:
              containers:
              - name: trainer
                image: twa-trainer:test
          training:
            seed: 1
            model: {arch: lenet5, numClasses: 10}
            data: {format: idx, path: {{data}}, batchSize: 128, holdoutFraction: 0.1}
            base:
              epochs: 6
              checkpointEverySteps: 20
              optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weightDecay: 5.0e-4}
              schedule: {name: step, milestones: [4], gamma: 0.1}
            twa:
              variant: schmidt
              snapshots: {from: 1, to: 7}
              start: mean
              epochs: 2
              optimizer: {name: sgd, lr: 0.1, momentum: 0.9, weightDecay: 1.0e-5}
            baselines: [swa]
        """;

    [Fact(Timeout = 1_200_000)]
    public async Task Operator_JobOnRealWorkersScaledTwoThreeOneAndKilled_SucceedsWithTheAccuracyOfTwaTrain()
    {
        var root = Directory.CreateTempSubdirectory("twa-e2e-").FullName;
        var data = WriteFashionMnistSubset(Path.Combine(root, "data"), train: 12000, test: 2000);
        using var redis = new RedisTestServer();
        var yaml = JobYaml(data, redis.Endpoint);
        var jobFile = Path.Combine(root, "job.yaml");
        await File.WriteAllTextAsync(jobFile, yaml);

        // The same job with `twa train` (one process, no cluster, no Redis).
        var reference = await RunTwaAsync(root, "train", jobFile, "--out", Path.Combine(root, "reference"), "--workers", "1", "--threads", "1");
        Assert.True(reference.ExitCode == 0, reference.Output);
        var referenceMetrics = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(root, "reference", "metrics.json")))!;
        var referenceAccuracy = referenceMetrics["final"]!["test_accuracy"]!.GetValue<double>();

        await using var api = await FakeApiServer.StartAsync();
        using var client = new KubernetesClient(api.ClientConfiguration());
        using var operatorClient = new KubernetesClient(api.ClientConfiguration());
        var log = new StringWriter();
        var settings = new OperatorSettings
        {
            Namespace = "twa-system", PodName = "op-0", LeaderElection = true, HttpPort = 0, LogLevel = Twa.Operator.Runtime.LogLevel.Info,
            DistBasePort = FreeRange(),
        };
        using var host = new OperatorHost(operatorClient, settings, new OperatorLog(TextWriter.Synchronized(log), Twa.Operator.Runtime.LogLevel.Info));
        using var stopOperator = new CancellationTokenSource();
        var operatorRun = Task.Run(() => host.RunAsync(stopOperator.Token));
        await using var kubelet = new ProcessKubelet(api, client, Ns);
        kubelet.ExtraEnv["OMP_NUM_THREADS"] = "1";
        var clock = Stopwatch.StartNew();
        try
        {
            var uid = (string)api.LoadYaml(yaml).Single()["metadata"]!["uid"]!;
            var prefix = $"twa:{Ns}:{Name}:{uid}:";
            MembershipRecord? Record()
            {
                using var mux = StackExchange.Redis.ConnectionMultiplexer.Connect(redis.Endpoint);
                var v = mux.GetDatabase().StringGet(MembershipKeys.Record(prefix));
                return v.IsNullOrEmpty ? null : MembershipRecord.FromJson(v.ToString());
            }

            async Task WaitAsync(Func<bool> condition, string what, double seconds = 180)
            {
                var deadline = Stopwatch.StartNew();
                while (!condition())
                {
                    if (deadline.Elapsed.TotalSeconds > seconds)
                    {
                        throw new TimeoutException($"timed out after {seconds} s waiting for: {what}\nstatus: {Job(api)?["status"]?.ToJsonString()}\n"
                            + $"operator log tail: {Tail(log.ToString(), 4000)}\npods:\n{kubelet.AllLogs()}");
                    }

                    await Task.Delay(200);
                }

                output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");
            }

            bool HasKey(string key)
            {
                using var mux = StackExchange.Redis.ConnectionMultiplexer.Connect(redis.Endpoint);
                return mux.GetDatabase().KeyExists(key);
            }

            bool Running(int members) => Record() is { } r && r.WorldSize == members && ConditionIs(api, "Running", "True") && !ConditionIs(api, "Succeeded", "True");

            await WaitAsync(() => Running(2), "2 members, Running=True");
            // Resize only once base training committed (every 20 steps): each new generation then resumes mid-run
            // from Redis rather than starting over.
            await WaitAsync(() => HasKey(prefix + "state:base"), "a base-training commit in Redis");
            await ScaleAsync(client, 3);
            await WaitAsync(() => Running(3), "scaled to 3: 3 members, Running=True");
            await ScaleAsync(client, 1);
            await WaitAsync(() => Record() is { WorldSize: 1 }, "scaled to 1: a generation with 1 member");
            var victim = Record()!.Members.Single().Pod;
            await WaitAsync(() => PodReady(api, victim), $"{victim} stepping (Ready) in the 1-member generation");
            Assert.False(ConditionIs(api, "Succeeded", "True"), "the job finished before the kill; make it longer");
            kubelet.Kill(victim);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  SIGKILLed {victim}");
            await WaitAsync(() => (int?)Job(api)?["status"]?["restarts"]?["failureRestarts"] == 1, "the kill counted: failureRestarts = 1");
            await WaitAsync(() => Record() is { WorldSize: 1 } r && !r.Contains(victim), "a replacement member in a new generation");
            await WaitAsync(() => ConditionIs(api, "Succeeded", "True", TwaJobReasons.TrainerCompleted), "Succeeded/TrainerCompleted", 600);

            var status = Job(api)!["status"]!;
            output.WriteLine($"status: {status.ToJsonString()}");
            var accuracy = status["result"]!["testAccuracy"]!.GetValue<double>();
            output.WriteLine($"test accuracy: operator job {accuracy:P2}, twa train {referenceAccuracy:P2} (difference {(accuracy - referenceAccuracy) * 100:+0.00;-0.00} points)");
            // Within noise: parts of the run trained data-parallel on 2 or 3 ranks, which sum gradients in another
            // order than one process, and training amplifies that; the 2,000-image test set alone has a sampling
            // standard deviation of about 0.8 points at 85 %. Seen: 0.00 and -0.60 points.
            Assert.True(Math.Abs(accuracy - referenceAccuracy) <= 0.015, $"accuracy {accuracy:P2} vs twa train {referenceAccuracy:P2}");
            Assert.Contains("base: resuming after", kubelet.AllLogs(100_000), StringComparison.Ordinal); // a generation resumed from a commit

            Assert.Equal(1, (int?)status["restarts"]?["failureRestarts"]);
            Assert.True((int?)status["restarts"]?["plannedReconfigurations"] >= 2, "2 -> 3 and 3 -> 1 are planned reconfigurations");
            // Generations: 2 members, 3, 1, then the replacement (no member-less generation while waiting for it).
            Assert.True(Record()!.Generation >= 4, $"at least 4 generations; got {Record()!.Generation}");
            Assert.Equal("True", (string?)Condition(api, "Succeeded")?["status"]);
            Assert.NotEqual("True", (string?)Condition(api, "Failed")?["status"]);
            var events = api.List(new ResourceDescriptor("", "v1", "events", "Event"), Ns).Select(e => (string?)e["reason"]).ToList();
            output.WriteLine($"events: {string.Join(", ", events.Distinct())}");
            Assert.Contains(TwaJobReasons.TrainerCompleted, events);
            Assert.Contains(TwaJobReasons.MemberFailed, events);
            Assert.Contains(TwaJobReasons.ScaleUp, events);
            Assert.Contains(TwaJobReasons.ScaleDown, events);

            // The drained members exited 0 ("removed"), the victim was killed (137), rank 0 completed.
            var exits = kubelet.Started;
            output.WriteLine($"processes: {string.Join(", ", exits.Select(e => $"{e.Pod}={e.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "running"}"))}");
            Assert.Equal(137, exits.Single(e => e.Pod == victim).ExitCode);
            Assert.True(exits.Count(e => e.ExitCode == 0) >= 3, "two removed members and rank 0 exit 0");
            var removed = api.List(Pods, Ns).Where(p => ((string?)p["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["message"])?.Contains("\"removed\"", StringComparison.Ordinal) == true).ToList();
            output.WriteLine($"pods with a 'removed' termination message still listed: {removed.Count}");
            foreach (var line in kubelet.AllLogs(100_000).Split('\n').Where(l => l.Contains("s after it was published", StringComparison.Ordinal)))
            {
                output.WriteLine(line.Trim()); // time from each generation's publication to its first step (rank 0)
            }

            output.WriteLine($"wall time from apply to Succeeded: {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            await stopOperator.CancelAsync();
            try
            {
                await operatorRun.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static JsonObject? Job(FakeApiServer api) => api.Get(FakeApiServer.TwaJobs, Ns, Name);

    private static JsonObject? Condition(FakeApiServer api, string type) =>
        Job(api)?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);

    private static bool ConditionIs(FakeApiServer api, string type, string status, string? reason = null) =>
        Condition(api, type) is { } c && (string?)c["status"] == status && (reason is null || (string?)c["reason"] == reason);

    private static bool PodReady(FakeApiServer api, string pod) =>
        (bool?)api.Get(Pods, Ns, pod)?["status"]?["containerStatuses"]?[0]?["ready"] == true;

    private static Task<Twa.Kubernetes.Models.V1Scale> ScaleAsync(KubernetesClient client, int replicas) =>
        client.PatchScaleAsync<TwaJobResource>(Name, Ns, KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }));

    private static string Tail(string text, int chars) => text.Length > chars ? text[^chars..] : text;

    /// <summary>A free block of 8 ports for the rotating c10d stores (checked free now; the test's processes are the
    /// only ones expected to bind them).</summary>
    private static int FreeRange()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = Random.Shared.Next(30000, 32000);
            if (Enumerable.Range(start, 8).All(IsFree))
            {
                return start;
            }
        }

        throw new InvalidOperationException("no 8 consecutive free ports in 30000-32008");

        static bool IsFree(int port)
        {
            try
            {
                using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, port);
                l.Start();
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>The first <paramref name="train"/> training and <paramref name="test"/> test images of the Debian
    /// Fashion-MNIST, as plain IDX files in <paramref name="directory"/>.</summary>
    private static string WriteFashionMnistSubset(string directory, int train, int test)
    {
        Directory.CreateDirectory(directory);
        const string source = "/usr/share/datasets/fashion-mnist";
        foreach (var (split, n) in new[] { ("train", train), ("t10k", test) })
        {
            var (imageShape, images) = IdxFile.Read(Path.Combine(source, $"{split}-images-idx3-ubyte.gz"));
            var (_, labels) = IdxFile.Read(Path.Combine(source, $"{split}-labels-idx1-ubyte.gz"));
            IdxFile.Write(Path.Combine(directory, $"{split}-images-idx3-ubyte"), [n, imageShape[1], imageShape[2]], images.AsSpan(0, n * imageShape[1] * imageShape[2]));
            IdxFile.Write(Path.Combine(directory, $"{split}-labels-idx1-ubyte"), [n], labels.AsSpan(0, n));
        }

        return directory;
    }

    private static async Task<(int ExitCode, string Output)> RunTwaAsync(string workDir, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twa.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (p.ExitCode, await stdout + await stderr);
    }
}
