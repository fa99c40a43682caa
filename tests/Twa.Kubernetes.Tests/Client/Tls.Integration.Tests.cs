using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Twa.Kubernetes.Client;
using Twa.Kubernetes.Configuration;
using Twa.Kubernetes.Models;
using Twa.Kubernetes.Testing;

namespace Twa.Kubernetes.Tests.Client;

public sealed class TlsIntegrationTests
{
    private static (X509Certificate2 Ca, X509Certificate2 Server) CreateCaAndServer(string subjectAltIp = "127.0.0.1")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=fake-apiserver-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse(subjectAltIp));
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        return (ca, issued.CopyWithPrivateKey(serverKey));
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_ServerCertificateFromConfiguredCa_TrustedAndClientCertificatePresented()
    {
        var (ca, serverCert) = CreateCaAndServer();
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { ServerCertificate = serverCert });
        var fromKubeconfig = KubernetesClientConfiguration.FromKubeConfig(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kubeconfig-data.yaml"), "prod");
        var config = new KubernetesClientConfiguration { Server = server.BaseAddress, CertificateAuthorities = [ca], ClientCertificate = fromKubeconfig.ClientCertificate };
        using var client = new KubernetesClient(config);

        var pods = await client.ListAsync<V1Pod>();

        Assert.Equal("https", server.BaseAddress.Scheme);
        Assert.Empty(pods.Items);
        Assert.Contains("CN=twa-test-user", server.LastClientCertificateSubject, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_ServerCertificateFromOtherCa_Rejected()
    {
        var (_, serverCert) = CreateCaAndServer();
        var (otherCa, _) = CreateCaAndServer();
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { ServerCertificate = serverCert });
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = server.BaseAddress, CertificateAuthorities = [otherCa] });

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.ListAsync<V1Pod>());

        Assert.IsType<AuthenticationException>(e.InnerException);
        Assert.Contains(new KubernetesRequestCount("list", "pods", 0, 1), client.Metrics.Snapshot());
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_CertificateForOtherAddress_RejectedEvenWithTrustedCa()
    {
        var (ca, serverCert) = CreateCaAndServer(subjectAltIp: "10.9.9.9");
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { ServerCertificate = serverCert });
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = server.BaseAddress, CertificateAuthorities = [ca] });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.ListAsync<V1Pod>());
    }

    [Fact(Timeout = 30000)]
    public async Task ListAsync_SkipTlsVerify_AcceptsUntrustedServer()
    {
        var (_, serverCert) = CreateCaAndServer();
        await using var server = await FakeApiServer.StartAsync(new FakeApiServerOptions { ServerCertificate = serverCert });
        using var client = new KubernetesClient(new KubernetesClientConfiguration { Server = server.BaseAddress, SkipTlsVerify = true });

        var pods = await client.ListAsync<V1Pod>();

        Assert.Empty(pods.Items);
    }
}
