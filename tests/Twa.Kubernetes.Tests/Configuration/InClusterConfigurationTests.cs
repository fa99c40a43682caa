using Twa.Kubernetes.Configuration;

namespace Twa.Kubernetes.Tests.Configuration;

public sealed class InClusterConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twa-sa-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<string, string?> Env(string? host, string? port) => name => name switch
    {
        "KUBERNETES_SERVICE_HOST" => host,
        "KUBERNETES_SERVICE_PORT" => port,
        _ => null,
    };

    private void WriteServiceAccount(string token)
    {
        File.WriteAllText(Path.Combine(_dir, "token"), token);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ca.crt"), Path.Combine(_dir, "ca.crt"), overwrite: true);
        File.WriteAllText(Path.Combine(_dir, "namespace"), "twa-system\n");
    }

    [Fact]
    public void InCluster_ServiceAccountMount_ReadsServerTokenCaAndNamespace()
    {
        WriteServiceAccount("token-1\n");

        var config = KubernetesClientConfiguration.InCluster(_dir, Env("10.96.0.1", "443"));

        Assert.Equal(new Uri("https://10.96.0.1:443"), config.Server);
        Assert.Equal("token-1", config.Token!.GetToken());
        Assert.Equal("twa-system", config.Namespace);
        Assert.Single(config.CertificateAuthorities!);
        Assert.True(KubernetesClientConfiguration.IsInCluster(_dir, Env("10.96.0.1", "443")));
    }

    [Fact]
    public void InCluster_Ipv6Host_IsBracketed()
    {
        WriteServiceAccount("t");

        var config = KubernetesClientConfiguration.InCluster(_dir, Env("fd00::1", "6443"));

        Assert.Equal("https://[fd00::1]:6443/", config.Server.ToString());
    }

    [Fact]
    public void InCluster_NoServiceEnvironment_ThrowsExplaining()
    {
        WriteServiceAccount("t");

        var e = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.InCluster(_dir, Env(null, null)));

        Assert.Contains("KUBERNETES_SERVICE_HOST", e.Message, StringComparison.Ordinal);
        Assert.False(KubernetesClientConfiguration.IsInCluster(_dir, Env(null, null)));
    }

    [Fact]
    public void InCluster_NoTokenFile_ThrowsNamingThePath()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.InCluster(_dir, Env("10.0.0.1", "443")));

        Assert.Contains(Path.Combine(_dir, "token"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InCluster_TokenRotated_NewTokenUsedAfterRefreshInterval()
    {
        WriteServiceAccount("token-1");
        var clock = new ManualTimeProvider();
        var config = KubernetesClientConfiguration.InCluster(_dir, Env("10.0.0.1", "443"), TimeSpan.FromMinutes(1), clock);
        File.WriteAllText(Path.Combine(_dir, "token"), "token-2");

        clock.Advance(TimeSpan.FromSeconds(59));
        var beforeRefresh = config.Token!.GetToken();
        clock.Advance(TimeSpan.FromSeconds(2));
        var afterRefresh = config.Token.GetToken();

        Assert.Equal("token-1", beforeRefresh);
        Assert.Equal("token-2", afterRefresh);
    }

    [Fact]
    public void FileTokenSource_FileVanishesAfterFirstRead_KeepsLastGoodToken()
    {
        var path = Path.Combine(_dir, "token");
        File.WriteAllText(path, "good");
        var clock = new ManualTimeProvider();
        var source = new FileTokenSource(path, TimeSpan.FromSeconds(1), clock);
        Assert.Equal("good", source.GetToken());

        File.Delete(path);
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("good", source.GetToken());
    }

    [Fact]
    public void FileTokenSource_NeverReadable_ThrowsNamingThePath()
    {
        var source = new FileTokenSource(Path.Combine(_dir, "absent"), TimeSpan.FromSeconds(1));

        var e = Assert.Throws<InvalidOperationException>(source.GetToken);

        Assert.Contains("absent", e.Message, StringComparison.Ordinal);
    }
}
