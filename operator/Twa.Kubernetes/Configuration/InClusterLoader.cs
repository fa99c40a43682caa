using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Twa.Kubernetes.Configuration;

/// <summary>Reads the service-account mount and the KUBERNETES_SERVICE_* variables.</summary>
internal static class InClusterLoader
{
    public static KubernetesClientConfiguration Load(string directory, Func<string, string?> env, TimeSpan refresh, TimeProvider? time)
    {
        var host = env("KUBERNETES_SERVICE_HOST");
        var port = env("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException(
                "Not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set (the kubelet sets them); use a kubeconfig outside a cluster.");
        }

        if (!int.TryParse(port, out var portNumber) || portNumber is <= 0 or > 65535)
        {
            throw new KubeConfigException($"KUBERNETES_SERVICE_PORT='{port}' is not a TCP port number.");
        }

        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"The service-account token '{tokenPath}' does not exist; is automountServiceAccountToken disabled for this pod?");
        }

        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        var caPath = Path.Combine(directory, "ca.crt");
        X509Certificate2Collection? cas = null;
        if (File.Exists(caPath))
        {
            cas = [];
            try
            {
                cas.ImportFromPemFile(caPath);
            }
            catch (CryptographicException e)
            {
                throw new KubeConfigException($"The cluster CA '{caPath}' is not a PEM certificate bundle: {e.Message}", e);
            }
        }

        var nsPath = Path.Combine(directory, "namespace");
        var source = new FileTokenSource(tokenPath, refresh, time);
        source.GetToken();
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{portNumber}"),
            CertificateAuthorities = cas,
            Token = source,
            Namespace = File.Exists(nsPath) ? File.ReadAllText(nsPath).Trim() : env("POD_NAMESPACE"),
        };
    }
}
