using Twa.Kubernetes.Configuration;

namespace Twa.Kubernetes.Tests.Configuration;

public sealed class KubeConfigTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void FromKubeConfig_CurrentContext_ResolvesServerTokenNamespaceAndCa()
    {
        var config = KubernetesClientConfiguration.FromKubeConfig(Fixture("kubeconfig-data.yaml"));

        Assert.Equal(new Uri("https://dev.example.test:6443"), config.Server);
        Assert.Equal("team-a", config.Namespace);
        Assert.Equal("dev-token-123", config.Token!.GetToken());
        Assert.Null(config.ClientCertificate);
        Assert.False(config.SkipTlsVerify);
        var ca = Assert.Single(config.CertificateAuthorities!);
        Assert.Equal("CN=twa-test-ca", ca.Subject);
    }

    [Fact]
    public void FromKubeConfig_NamedContextWithEmbeddedClientCert_LoadsCertificateWithKey()
    {
        var config = KubernetesClientConfiguration.FromKubeConfig(Fixture("kubeconfig-data.yaml"), "prod");

        Assert.Equal(new Uri("https://10.1.2.3:443"), config.Server);
        Assert.Null(config.Namespace);
        Assert.Null(config.Token);
        Assert.NotNull(config.ClientCertificate);
        Assert.True(config.ClientCertificate!.HasPrivateKey);
        Assert.Contains("CN=twa-test-user", config.ClientCertificate.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeConfig_RelativeFileReferences_ResolvedAgainstKubeconfigDirectory()
    {
        var config = KubernetesClientConfiguration.FromKubeConfig(Fixture("kubeconfig-files.yaml"));

        Assert.Equal(new Uri("https://127.0.0.1:40001"), config.Server);
        Assert.Single(config.CertificateAuthorities!);
        Assert.True(config.ClientCertificate!.HasPrivateKey);
    }

    [Fact]
    public void FromKubeConfig_InsecureSkipTlsVerify_IsHonoured()
    {
        var config = KubernetesClientConfiguration.FromKubeConfig(Fixture("kubeconfig-files.yaml"), "insecure");

        Assert.True(config.SkipTlsVerify);
        Assert.Null(config.CertificateAuthorities);
    }

    [Theory]
    [InlineData("exec", "exec/auth-provider")]
    [InlineData("dangling", "user 'nobody'")]
    [InlineData("missing", "no context named 'missing'")]
    public void FromKubeConfig_UnusableContext_ThrowsNamingTheProblem(string context, string expected)
    {
        var e = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.FromKubeConfig(Fixture("kubeconfig-files.yaml"), context));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("kubeconfig-files.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeConfig_MissingFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-kubeconfig-{Guid.NewGuid():N}");

        var e = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.FromKubeConfig(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKubeConfig_MalformedYaml_ThrowsWithLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-kubeconfig-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "current-context: x\nclusters:\n  - name: [unclosed\n");
        try
        {
            var e = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.FromKubeConfig(path));
            Assert.Contains("not valid YAML at line", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromKubeConfig_TokenFileRelativePath_ReadsTokenFromFile()
    {
        var dir = Directory.CreateTempSubdirectory("twa-kubeconfig-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "sa.token"), "from-file\n");
            File.WriteAllText(Path.Combine(dir, "config"), """
                current-context: c
                clusters: [{name: k, cluster: {server: "http://127.0.0.1:8080"}}]
                users: [{name: u, user: {tokenFile: sa.token}}]
                contexts: [{name: c, context: {cluster: k, user: u, namespace: ops}}]
                """);

            var config = KubernetesClientConfiguration.FromKubeConfig(Path.Combine(dir, "config"));

            Assert.Equal("from-file", config.Token!.GetToken());
            Assert.Equal("ops", config.Namespace);
            Assert.Equal(new Uri("http://127.0.0.1:8080"), config.Server);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FromKubeConfig_CertificateWithoutKey_ThrowsNamingUser()
    {
        var dir = Directory.CreateTempSubdirectory("twa-kubeconfig-").FullName;
        try
        {
            File.Copy(Fixture("client.crt"), Path.Combine(dir, "client.crt"));
            File.WriteAllText(Path.Combine(dir, "config"), """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://h:6443"}}]
                users: [{name: half, user: {client-certificate: client.crt}}]
                contexts: [{name: c, context: {cluster: k, user: half}}]
                """);

            var e = Assert.Throws<KubeConfigException>(() => KubernetesClientConfiguration.FromKubeConfig(Path.Combine(dir, "config")));

            Assert.Contains("users[half]", e.Message, StringComparison.Ordinal);
            Assert.Contains("without a key", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
