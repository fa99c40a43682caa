using System.Diagnostics;
using System.Text.Json.Nodes;
using Twa.Operator.Crd;
using Twa.Operator.Tests.Support;

namespace Twa.Operator.Tests.Crd;

/// <summary>kubectl 1.32 reads the committed CRD and the cluster example. A client-side dry run still needs API
/// discovery to map kinds to resources, so kubectl talks to <see cref="DiscoveryStub"/> (discovery only: no object
/// is sent anywhere), with <c>--validate=false</c> because server-side field validation needs a real server.</summary>
public sealed class KubectlCrdIntegrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twa-kubectl-").FullName;
    private readonly DiscoveryStub _stub = new(CrdGenerator.TwaJob());

    public void Dispose()
    {
        _stub.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateDryRun_CommittedCrd_KubectlParsesItUnchanged()
    {
        var output = await KubectlAsync("create", "--dry-run=client", "--validate=false", "-o", "json", "-f", Repo.File("crds/" + CrdCommand.FileName));
        var parsed = JsonNode.Parse(output)!.AsObject();
        Assert.True(JsonNode.DeepEquals(CrdGenerator.TwaJob(), parsed), "kubectl's reading of the CRD differs from the generated tree:\n" + output);
        Assert.All(_stub.Requests, r => Assert.StartsWith("GET ", r, StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateDryRun_ClusterExample_KubectlMapsTheTwaJobKind()
    {
        var file = Repo.File("examples/cluster/fashion-mnist-lenet-elastic.yaml");
        var output = await KubectlAsync("create", "--dry-run=client", "--validate=false", "-o", "json", "-f", file);
        var parsed = JsonNode.Parse(output)!;
        var original = YamlToJson.Single(await File.ReadAllTextAsync(file))!;
        Assert.Equal("TwaJob", (string?)parsed["kind"]);
        Assert.True(JsonNode.DeepEquals(original["spec"], parsed["spec"]), output);
        Assert.Contains("GET /apis/twa.dev/v1alpha1", _stub.Requests);
    }

    private async Task<string> KubectlAsync(params string[] args)
    {
        var kubectl = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(_stub.WriteKubeconfig(_dir));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HOME"] = _dir; // keeps kubectl's discovery cache inside the test directory
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
