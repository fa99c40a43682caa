using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Twa.Testing.Redis;

/// <summary>PEM files of a throw-away test CA and a server certificate for "localhost"/127.0.0.1 signed by it (RSA 2048,
/// valid for a day), for a TLS-only <see cref="RedisTestServer"/>. Immutable.</summary>
public sealed record TlsFiles(string CaPath, string ServerCertPath, string ServerKeyPath)
{
    /// <summary>Creates a new CA and server certificate and writes ca.crt, server.crt and server.key into
    /// <paramref name="directory"/> (which must exist).</summary>
    public static TlsFiles Create(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=twa-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), [1, 2, 3, 4]);

        var files = new TlsFiles(Path.Combine(directory, "ca.crt"), Path.Combine(directory, "server.crt"), Path.Combine(directory, "server.key"));
        File.WriteAllText(files.CaPath, ca.ExportCertificatePem());
        File.WriteAllText(files.ServerCertPath, server.ExportCertificatePem());
        File.WriteAllText(files.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return files;
    }
}
