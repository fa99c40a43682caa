using System.Diagnostics;
using System.Globalization;
using Twa.Kubernetes.Testing;
using Twa.Testing.Redis;

namespace Twa.Operator.Tests.Host;

/// <summary>`twa-operator run` as a real process: kubeconfig from $KUBECONFIG, settings from TWA_OPERATOR_*,
/// /readyz once synced, the Lease taken, SIGTERM exits 0.</summary>
public sealed class RunCommandIntegrationTests
{
    [Fact(Timeout = 90_000)]
    public async Task Run_Process_ServesReadyzTakesTheLeaseAndExitsZeroOnSigterm()
    {
        await using var api = await FakeApiServer.StartAsync();
        var dir = Directory.CreateTempSubdirectory("twa-op-run-");
        try
        {
            var kubeconfig = Path.Combine(dir.FullName, "config");
            await File.WriteAllTextAsync(kubeconfig, $"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster: {"{"}server: "{api.BaseAddress.ToString().TrimEnd('/')}"{"}"}
                users:
                - name: u
                  user: {"{"}token: t{"}"}
                contexts:
                - name: c
                  context: {"{"}cluster: fake, user: u, namespace: default{"}"}
                current-context: c
                """);
            var port = RedisTestServer.FreePort();
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "twa-operator.dll"));
            info.ArgumentList.Add("run");
            info.Environment["KUBECONFIG"] = kubeconfig;
            info.Environment["TWA_OPERATOR_NAMESPACE"] = "twa-system";
            info.Environment["TWA_OPERATOR_POD_NAME"] = "op-process";
            info.Environment["TWA_OPERATOR_HTTP_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            info.Environment["TWA_OPERATOR_LEADER_ELECTION"] = "true";
            info.Environment["TWA_OPERATOR_WATCH_NAMESPACES"] = "";
            info.Environment["TWA_OPERATOR_LOG_LEVEL"] = "info";
            using var process = Process.Start(info)!;
            var stdout = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (stdout) { stdout.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    try
                    {
                        var r = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"));
                        var lease = api.Get(new Twa.Kubernetes.ResourceDescriptor("coordination.k8s.io", "v1", "leases", "Lease"), "twa-system", "twa-operator");
                        if (r.IsSuccessStatusCode && (string?)lease?["spec"]?["holderIdentity"] == "op-process")
                        {
                            break;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }

                    Assert.False(process.HasExited, $"twa-operator exited early with {(process.HasExited ? process.ExitCode : 0)}: {stdout}");
                    Assert.True(DateTime.UtcNow < deadline, $"no ready operator holding the lease within 60 s: {stdout}");
                    await Task.Delay(200);
                }

                Assert.Contains("twa_operator_leader 1", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")), StringComparison.Ordinal);
                using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stdout}");
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
