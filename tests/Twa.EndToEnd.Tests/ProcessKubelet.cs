using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Twa.Kubernetes;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.EndToEnd.Tests;

/// <summary>
/// A kubelet simulator that runs the pods of one namespace as real local processes, the way a kubelet would give them
/// their container: the container command (`twa …` runs the built twa.dll), env with <c>value</c>,
/// <c>fieldRef</c> (metadata.name/namespace, status.podIP) and <c>secretKeyRef</c> resolved, configMap volumes written
/// to a directory per pod and hostPath volumes used in place (command arguments under a mount path are mapped to
/// where the volume lives), and the termination-message file. All pods share the loopback interface instead of
/// having their own network namespace, so two things differ from a cluster and are set explicitly: each pod's
/// <c>metrics</c> container port is mapped to a free host port (TWA_METRICS_PORT, which the probes then use) and
/// <c>TWA_DIST_HOST_OVERRIDE=127.0.0.1</c> stands in for the pods' DNS names. Status is reported like a kubelet:
/// Running with the trainer's <c>started</c> from the startup probe (GET /healthz) and Ready from the readiness probe
/// (GET /readyz); on exit Succeeded/Failed with the exit code and the termination message (or, with
/// FallbackToLogsOnError, the log tail). A pod deleted from the API server has its process killed.
/// Not thread-safe apart from <see cref="Kill"/> and <see cref="Log"/>; owns its processes and directory.
/// </summary>
internal sealed class ProcessKubelet : IAsyncDisposable
{
    private static readonly ResourceDescriptor Pods = new("", "v1", "pods", "Pod");
    private readonly FakeApiServer _api;
    private readonly KubernetesClient _client;
    private readonly string _namespace;
    private readonly string _root = Directory.CreateTempSubdirectory("twa-kubelet-").FullName;
    private readonly Dictionary<string, PodProcess> _pods = new(StringComparer.Ordinal); // by pod UID
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();

    public ProcessKubelet(FakeApiServer api, KubernetesClient client, string ns)
    {
        _api = api;
        _client = client;
        _namespace = ns;
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>Extra env for every container (e.g. OMP_NUM_THREADS), applied before the pod's own.</summary>
    public Dictionary<string, string> ExtraEnv { get; } = new(StringComparer.Ordinal);

    /// <summary>Processes started so far (pod name, exit code or null while running).</summary>
    public IReadOnlyList<(string Pod, int? ExitCode)> Started
    {
        get
        {
            lock (_gate)
            {
                return [.. _pods.Values.Select(p => (p.Name, p.Process.HasExited ? p.Process.ExitCode : (int?)null))];
            }
        }
    }

    /// <summary>SIGKILLs the process of <paramref name="pod"/> (a crash: the pod turns Failed with exit code 137).</summary>
    public void Kill(string pod)
    {
        lock (_gate)
        {
            var p = _pods.Values.Single(x => x.Name == pod && !x.Process.HasExited);
            p.Process.Kill();
        }
    }

    /// <summary>The combined output of every process of <paramref name="pod"/> so far (last <paramref name="chars"/>).</summary>
    public string Log(string pod, int chars = 4000)
    {
        lock (_gate)
        {
            var text = string.Join("\n", _pods.Values.Where(p => p.Name == pod).Select(p => $"--- {p.Name} ({p.Uid}) ---\n{p.Output()}"));
            return text.Length > chars ? text[^chars..] : text;
        }
    }

    /// <summary>The logs of all pods (for failure messages).</summary>
    public string AllLogs(int charsPerPod = 2500)
    {
        lock (_gate)
        {
            return string.Join("\n", _pods.Values.Select(p => p.Name).Distinct().Select(n => Log(n, charsPerPod)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            foreach (var p in _pods.Values)
            {
                if (!p.Process.HasExited)
                {
                    p.Process.Kill();
                    p.Process.WaitForExit(5000);
                }

                p.Process.Dispose();
            }
        }

        _http.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PassAsync(ct);
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException)
            {
                // A pod deleted under us: the next pass sees it gone.
            }
        }
    }

    private async Task PassAsync(CancellationToken ct)
    {
        var objects = _api.List(Pods, _namespace).ToDictionary(p => (string)p["metadata"]!["uid"]!, StringComparer.Ordinal);
        List<PodProcess> gone;
        lock (_gate)
        {
            gone = [.. _pods.Values.Where(p => !objects.ContainsKey(p.Uid) && !p.Process.HasExited)];
        }

        foreach (var p in gone)
        {
            p.Process.Kill(); // deleted: the kubelet stops the container
        }

        foreach (var (uid, pod) in objects)
        {
            PodProcess? process;
            lock (_gate)
            {
                _pods.TryGetValue(uid, out process);
            }

            var phase = (string?)pod["status"]?["phase"];
            if (process is null)
            {
                if (phase is "Succeeded" or "Failed" || pod["metadata"]!["deletionTimestamp"] is not null)
                {
                    continue;
                }

                process = Start(pod);
                lock (_gate)
                {
                    _pods[uid] = process;
                }

                await ReportRunningAsync(process, started: false, ready: false, ct);
                continue;
            }

            if (process.Reported)
            {
                continue;
            }

            if (process.Process.HasExited)
            {
                await ReportTerminatedAsync(process, ct);
                continue;
            }

            var started = process.Started || await ProbeAsync(process, "/healthz", ct);
            var ready = started && await ProbeAsync(process, "/readyz", ct);
            if (process.Process.HasExited)
            {
                continue; // reported on the next pass
            }

            if (started != process.Started || ready != process.Ready)
            {
                await ReportRunningAsync(process, started, ready, ct);
            }
        }
    }

    private async Task<bool> ProbeAsync(PodProcess p, string path, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{p.MetricsPort.ToString(CultureInfo.InvariantCulture)}{path}"), ct);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private PodProcess Start(JsonObject pod)
    {
        var meta = pod["metadata"]!;
        var name = (string)meta["name"]!;
        var uid = (string)meta["uid"]!;
        var spec = pod["spec"]!.AsObject();
        var container = spec["containers"]!.AsArray().OfType<JsonObject>().Single(c => (string?)c["name"] == "trainer");
        var dir = Directory.CreateDirectory(Path.Combine(_root, $"{name}-{uid}")).FullName;

        // Volumes: configMap -> files in a directory of this pod; hostPath -> the host path itself.
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in spec["volumes"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var volume = (string)v["name"]!;
            if (v["configMap"]?["name"] is { } cmName)
            {
                var cm = _api.Get(new ResourceDescriptor("", "v1", "configmaps", "ConfigMap"), _namespace, (string)cmName!)
                    ?? throw new InvalidOperationException($"pod {name}: configMap {cmName} not found");
                var target = Directory.CreateDirectory(Path.Combine(dir, "volumes", volume)).FullName;
                foreach (var (key, value) in cm["data"]!.AsObject())
                {
                    File.WriteAllText(Path.Combine(target, key), (string)value!);
                }

                volumes[volume] = target;
            }
            else if (v["hostPath"]?["path"] is { } hostPath)
            {
                volumes[volume] = (string)hostPath!;
            }
        }

        var mounts = (container["volumeMounts"]?.AsArray().OfType<JsonObject>() ?? [])
            .Select(m => (Path: (string)m["mountPath"]!, Host: volumes.GetValueOrDefault((string)m["name"]!)))
            .Where(m => m.Host is not null)
            .OrderByDescending(m => m.Path.Length)
            .ToList();
        string MapPath(string arg)
        {
            foreach (var (mountPath, host) in mounts)
            {
                if (arg == mountPath || arg.StartsWith(mountPath + "/", StringComparison.Ordinal))
                {
                    return host + arg[mountPath.Length..];
                }
            }

            return arg;
        }

        var command = container["command"]!.AsArray().Select(c => (string)c!).Concat(container["args"]?.AsArray().Select(a => (string)a!) ?? []).ToList();
        if (command[0] != "twa")
        {
            throw new InvalidOperationException($"pod {name}: the simulator runs `twa` containers only, not '{command[0]}'");
        }

        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twa.dll"));
        foreach (var a in command.Skip(1))
        {
            info.ArgumentList.Add(MapPath(a));
        }

        foreach (var (k, v) in ExtraEnv)
        {
            info.Environment[k] = v;
        }

        foreach (var e in container["env"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            info.Environment[(string)e["name"]!] = EnvValue(e, pod);
        }

        var metricsPort = FreePort();
        var terminationLog = Path.Combine(dir, "termination-log");
        File.WriteAllText(terminationLog, "");
        info.Environment["TWA_METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["TWA_DIST_HOST_OVERRIDE"] = "127.0.0.1";
        info.Environment["TWA_TERMINATION_LOG"] = terminationLog;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"pod {name}: the process did not start");
        var p = new PodProcess(name, uid, process, metricsPort, terminationLog, (string?)container["terminationMessagePolicy"] == "FallbackToLogsOnError");
        process.OutputDataReceived += (_, e) => p.Append(e.Data);
        process.ErrorDataReceived += (_, e) => p.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return p;
    }

    private string EnvValue(JsonObject e, JsonObject pod)
    {
        if (e["value"] is { } value)
        {
            return (string)value!;
        }

        if (e["valueFrom"]?["fieldRef"]?["fieldPath"] is { } field)
        {
            return (string)field! switch
            {
                "metadata.name" => (string)pod["metadata"]!["name"]!,
                "metadata.namespace" => _namespace,
                "status.podIP" => "127.0.0.1",
                var other => throw new InvalidOperationException($"env {e["name"]}: fieldRef {other} is not simulated"),
            };
        }

        if (e["valueFrom"]?["secretKeyRef"] is JsonObject secretRef)
        {
            var secret = _api.Get(new ResourceDescriptor("", "v1", "secrets", "Secret"), _namespace, (string)secretRef["name"]!)
                ?? throw new InvalidOperationException($"env {e["name"]}: secret {secretRef["name"]} not found");
            return Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]![(string)secretRef["key"]!]!));
        }

        return "";
    }

    private async Task ReportRunningAsync(PodProcess p, bool started, bool ready, CancellationToken ct)
    {
        await _client.PatchStatusAsync<V1Pod>(p.Name, _namespace, KubernetesPatch.Merge(PodStatuses.Running("trainer", started, ready, "127.0.0.1")), null, ct);
        p.Started = started;
        p.Ready = ready;
    }

    private async Task ReportTerminatedAsync(PodProcess p, CancellationToken ct)
    {
        var code = p.Process.ExitCode;
        var message = File.ReadAllText(p.TerminationLog);
        if (message.Length == 0 && p.FallbackToLogs && code != 0)
        {
            message = p.Output();
            message = message.Length > 4096 ? message[^4096..] : message;
        }

        try
        {
            await _client.PatchStatusAsync<V1Pod>(p.Name, _namespace, KubernetesPatch.Merge(PodStatuses.Terminated("trainer", code, message)), null, ct);
        }
        catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // deleted meanwhile
        }

        p.Reported = true;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class PodProcess(string name, string uid, Process process, int metricsPort, string terminationLog, bool fallbackToLogs)
    {
        private readonly StringBuilder _output = new();

        public string Name { get; } = name;

        public string Uid { get; } = uid;

        public Process Process { get; } = process;

        public int MetricsPort { get; } = metricsPort;

        public string TerminationLog { get; } = terminationLog;

        public bool FallbackToLogs { get; } = fallbackToLogs;

        public bool Started { get; set; }

        public bool Ready { get; set; }

        public bool Reported { get; set; }

        public void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }

        public string Output()
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }
}
