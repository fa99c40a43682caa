using System.Diagnostics;
using System.Globalization;
using Twa.Kubernetes.Testing;

namespace Twa.Operator.Tests.Host;

/// <summary>`kubectl scale twajob/NAME --replicas=N` (issue 5, deliverable 3) with the real kubectl 1.32 against the fake
/// API server: kubectl discovers the TwaJob resource and its scale subresource, reads /scale and writes the new
/// replicas through it; the job's spec.replicas changes (what the operator then acts on, as the end-to-end test
/// shows), by full name and by short name.</summary>
public sealed class KubectlScaleIntegrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twa-kubectl-scale-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 120_000)]
    public async Task Scale_TwaJobByNameAndShortName_ChangesSpecReplicasThroughTheScaleSubresource()
    {
        await using var api = await FakeApiServer.StartAsync();
        api.LoadYaml(Twa.Operator.Tests.Reconcile.Jobs.ExampleText.Replace("name: fashion-mnist-lenet-elastic", "name: demo\n  namespace: ml", StringComparison.Ordinal));
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters: [{"{"}name: fake, cluster: {"{"}server: "{api.BaseAddress.ToString().TrimEnd('/')}"{"}"}{"}"}]
            users: [{"{"}name: tester, user: {"{"}token: test-token{"}"}{"}"}]
            contexts: [{"{"}name: fake, context: {"{"}cluster: fake, user: tester, namespace: ml{"}"}{"}"}]
            current-context: fake
            """);

        var first = await KubectlAsync(kubeconfig, "scale", "twajob/demo", "--replicas=3");
        Assert.True(first.Code == 0, first.Output);
        Assert.Contains("scaled", first.Output, StringComparison.Ordinal);
        Assert.Equal(3, (int?)api.Get(FakeApiServer.TwaJobs, "ml", "demo")!["spec"]!["replicas"]);

        var second = await KubectlAsync(kubeconfig, "scale", "twj/demo", "--replicas=1", "--current-replicas=3");
        Assert.True(second.Code == 0, second.Output);
        Assert.Equal(1, (int?)api.Get(FakeApiServer.TwaJobs, "ml", "demo")!["spec"]!["replicas"]);

        var stale = await KubectlAsync(kubeconfig, "scale", "twajob/demo", "--replicas=2", "--current-replicas=3");
        Assert.NotEqual(0, stale.Code); // the precondition on the current replicas is checked against /scale
        Assert.Equal(1, (int?)api.Get(FakeApiServer.TwaJobs, "ml", "demo")!["spec"]!["replicas"]);
    }

    private async Task<(int Code, string Output)> KubectlAsync(string kubeconfig, params string[] args)
    {
        var kubectl = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HOME"] = _dir; // kubectl's discovery cache stays in the test directory
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start; run `make deps`");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var (output, error) = (await stdout, await stderr);
        return (process.ExitCode, string.Create(CultureInfo.InvariantCulture, $"exit {process.ExitCode}\n{output}\n{error}"));
    }
}
