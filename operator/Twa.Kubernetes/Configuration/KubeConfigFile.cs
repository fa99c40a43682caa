using YamlDotNet.Serialization;

namespace Twa.Kubernetes.Configuration;

// The kubeconfig YAML shape (clientcmd v1), only the fields we use. Internal DTOs.
internal sealed class KubeConfigFile
{
    [YamlMember(Alias = "current-context")]
    public string? CurrentContext { get; set; }

    [YamlMember(Alias = "clusters")]
    public List<KubeConfigNamedCluster> Clusters { get; set; } = [];

    [YamlMember(Alias = "users")]
    public List<KubeConfigNamedUser> Users { get; set; } = [];

    [YamlMember(Alias = "contexts")]
    public List<KubeConfigNamedContext> Contexts { get; set; } = [];
}

internal sealed class KubeConfigNamedCluster
{
    [YamlMember(Alias = "name")]
    public string Name { get; set; } = "";

    [YamlMember(Alias = "cluster")]
    public KubeConfigCluster Cluster { get; set; } = new();
}

internal sealed class KubeConfigCluster
{
    [YamlMember(Alias = "server")]
    public string? Server { get; set; }

    [YamlMember(Alias = "certificate-authority")]
    public string? CertificateAuthority { get; set; }

    [YamlMember(Alias = "certificate-authority-data")]
    public string? CertificateAuthorityData { get; set; }

    [YamlMember(Alias = "insecure-skip-tls-verify")]
    public bool InsecureSkipTlsVerify { get; set; }
}

internal sealed class KubeConfigNamedUser
{
    [YamlMember(Alias = "name")]
    public string Name { get; set; } = "";

    [YamlMember(Alias = "user")]
    public KubeConfigUser User { get; set; } = new();
}

internal sealed class KubeConfigUser
{
    [YamlMember(Alias = "client-certificate")]
    public string? ClientCertificate { get; set; }

    [YamlMember(Alias = "client-certificate-data")]
    public string? ClientCertificateData { get; set; }

    [YamlMember(Alias = "client-key")]
    public string? ClientKey { get; set; }

    [YamlMember(Alias = "client-key-data")]
    public string? ClientKeyData { get; set; }

    [YamlMember(Alias = "token")]
    public string? Token { get; set; }

    [YamlMember(Alias = "tokenFile")]
    public string? TokenFile { get; set; }

    [YamlMember(Alias = "exec")]
    public object? Exec { get; set; }

    [YamlMember(Alias = "auth-provider")]
    public object? AuthProvider { get; set; }
}

internal sealed class KubeConfigNamedContext
{
    [YamlMember(Alias = "name")]
    public string Name { get; set; } = "";

    [YamlMember(Alias = "context")]
    public KubeConfigContext Context { get; set; } = new();
}

internal sealed class KubeConfigContext
{
    [YamlMember(Alias = "cluster")]
    public string Cluster { get; set; } = "";

    [YamlMember(Alias = "user")]
    public string? User { get; set; }

    [YamlMember(Alias = "namespace")]
    public string? Namespace { get; set; }
}
