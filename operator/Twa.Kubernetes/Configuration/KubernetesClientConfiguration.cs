using System.Security.Cryptography.X509Certificates;

namespace Twa.Kubernetes.Configuration;

/// <summary>
/// Where the API server is and how to authenticate to it. Build it with <see cref="FromKubeConfig"/>,
/// <see cref="InCluster"/> or <see cref="FromEnvironment"/>, or directly (tests). Immutable after construction;
/// the certificates it holds are owned by it and live as long as the process uses the configuration.
/// </summary>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The default service-account directory mounted into pods.</summary>
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>API server base address, e.g. <c>https://10.0.0.1:443</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>Roots trusted for the server certificate; the system store is used when null.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Client certificate with private key (mutual TLS), if any.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Bearer token source, if any.</summary>
    public IBearerTokenSource? Token { get; init; }

    /// <summary>Accept any server certificate (kubeconfig <c>insecure-skip-tls-verify</c>). Development only.</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary>The default namespace (kubeconfig context namespace, or the pod's namespace in-cluster); may be null.</summary>
    public string? Namespace { get; init; }

    /// <summary>Loads <paramref name="path"/> and resolves <paramref name="context"/> (the current-context when null).</summary>
    /// <exception cref="KubeConfigException">The file is missing, malformed, or names a cluster/user/context it does not define, or uses an unsupported auth method.</exception>
    public static KubernetesClientConfiguration FromKubeConfig(string path, string? context = null) =>
        KubeConfigLoader.Load(path, context);

    /// <summary>
    /// In-cluster configuration: server from <c>KUBERNETES_SERVICE_HOST</c>/<c>KUBERNETES_SERVICE_PORT</c>, and
    /// <c>token</c> (re-read every <paramref name="tokenRefreshInterval"/>, one minute by default), <c>ca.crt</c>
    /// and <c>namespace</c> from <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The service-account directory; <see cref="ServiceAccountDirectory"/> when null.</param>
    /// <param name="environment">Environment lookup; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <param name="tokenRefreshInterval">How long a read token is reused.</param>
    /// <param name="time">Clock for the token refresh.</param>
    /// <exception cref="KubeConfigException">Not running in a cluster, or a required file is missing.</exception>
    public static KubernetesClientConfiguration InCluster(
        string? directory = null,
        Func<string, string?>? environment = null,
        TimeSpan? tokenRefreshInterval = null,
        TimeProvider? time = null) =>
        InClusterLoader.Load(directory ?? ServiceAccountDirectory, environment ?? Environment.GetEnvironmentVariable, tokenRefreshInterval ?? TimeSpan.FromMinutes(1), time);

    /// <summary>Whether the in-cluster environment variables and token file are present.</summary>
    public static bool IsInCluster(string? directory = null, Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        return !string.IsNullOrEmpty(env("KUBERNETES_SERVICE_HOST"))
            && File.Exists(Path.Combine(directory ?? ServiceAccountDirectory, "token"));
    }

    /// <summary>In-cluster when possible, else <c>$KUBECONFIG</c> (first entry), else <c>~/.kube/config</c>.</summary>
    /// <exception cref="KubeConfigException">Neither source is usable.</exception>
    public static KubernetesClientConfiguration FromEnvironment()
    {
        if (IsInCluster())
        {
            return InCluster();
        }

        var fromEnv = Environment.GetEnvironmentVariable("KUBECONFIG");
        var path = !string.IsNullOrEmpty(fromEnv)
            ? fromEnv.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return FromKubeConfig(path);
    }
}
