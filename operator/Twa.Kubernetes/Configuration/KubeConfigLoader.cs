using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Twa.Kubernetes.Configuration;

/// <summary>Parses a kubeconfig file (clusters, users, contexts, current-context) into a <see cref="KubernetesClientConfiguration"/>.</summary>
internal static class KubeConfigLoader
{
    public static KubernetesClientConfiguration Load(string path, string? contextName)
    {
        if (!File.Exists(path))
        {
            throw new KubeConfigException($"The kubeconfig '{path}' does not exist; set KUBECONFIG or pass an existing file.");
        }

        KubeConfigFile file;
        try
        {
            var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
            file = deserializer.Deserialize<KubeConfigFile?>(File.ReadAllText(path)) ?? new KubeConfigFile();
        }
        catch (YamlException e)
        {
            throw new KubeConfigException($"The kubeconfig '{path}' is not valid YAML at line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}", e);
        }

        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var name = contextName ?? file.CurrentContext;
        if (string.IsNullOrEmpty(name))
        {
            throw new KubeConfigException($"The kubeconfig '{path}' has no current-context; set one (kubectl config use-context NAME) or pass a context name.");
        }

        var context = file.Contexts.FirstOrDefault(c => c.Name == name)?.Context
            ?? throw new KubeConfigException($"The kubeconfig '{path}' has no context named '{name}' (contexts: {string.Join(", ", file.Contexts.Select(c => c.Name))}).");
        var cluster = file.Clusters.FirstOrDefault(c => c.Name == context.Cluster)?.Cluster
            ?? throw new KubeConfigException($"The kubeconfig '{path}': context '{name}' names cluster '{context.Cluster}', which clusters[] does not define.");
        var user = string.IsNullOrEmpty(context.User)
            ? new KubeConfigUser()
            : file.Users.FirstOrDefault(u => u.Name == context.User)?.User
              ?? throw new KubeConfigException($"The kubeconfig '{path}': context '{name}' names user '{context.User}', which users[] does not define.");

        if (string.IsNullOrEmpty(cluster.Server) || !Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
        {
            throw new KubeConfigException($"The kubeconfig '{path}': clusters[{context.Cluster}].cluster.server '{cluster.Server}' is not an absolute URL such as https://host:6443.");
        }

        if (user.Exec is not null || user.AuthProvider is not null)
        {
            throw new KubeConfigException(
                $"The kubeconfig '{path}': users[{context.User}] uses exec/auth-provider credentials, which this client does not run; use a token or client certificate (e.g. a service-account token).");
        }

        var where = $"kubeconfig '{path}'";
        var cas = ReadCertificates(cluster.CertificateAuthorityData, cluster.CertificateAuthority, baseDir, $"{where} clusters[{context.Cluster}].cluster.certificate-authority");
        X509Certificate2? clientCert = null;
        var certPem = ReadPem(user.ClientCertificateData, user.ClientCertificate, baseDir, $"{where} users[{context.User}].user.client-certificate");
        var keyPem = ReadPem(user.ClientKeyData, user.ClientKey, baseDir, $"{where} users[{context.User}].user.client-key");
        if ((certPem is null) != (keyPem is null))
        {
            throw new KubeConfigException($"The {where}: users[{context.User}] has a client certificate without a key or a key without a certificate; give both.");
        }

        if (certPem is not null && keyPem is not null)
        {
            try
            {
                clientCert = X509Certificate2.CreateFromPem(certPem, keyPem);
            }
            catch (CryptographicException e)
            {
                throw new KubeConfigException($"The {where}: users[{context.User}] client certificate/key are not a matching PEM pair: {e.Message}", e);
            }
        }

        IBearerTokenSource? token = null;
        if (!string.IsNullOrWhiteSpace(user.Token))
        {
            token = new StaticTokenSource(user.Token);
        }
        else if (!string.IsNullOrEmpty(user.TokenFile))
        {
            token = new FileTokenSource(Resolve(baseDir, user.TokenFile), TimeSpan.FromMinutes(1));
        }

        return new KubernetesClientConfiguration
        {
            Server = server,
            CertificateAuthorities = cas,
            ClientCertificate = clientCert,
            Token = token,
            SkipTlsVerify = cluster.InsecureSkipTlsVerify,
            Namespace = string.IsNullOrEmpty(context.Namespace) ? null : context.Namespace,
        };
    }

    private static string Resolve(string baseDir, string file) => Path.IsPathRooted(file) ? file : Path.Combine(baseDir, file);

    private static string? ReadPem(string? base64, string? file, string baseDir, string field)
    {
        if (!string.IsNullOrEmpty(base64))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException e)
            {
                throw new KubeConfigException($"The {field}-data is not base64 (it must be the base64 of the PEM text).", e);
            }
        }

        if (string.IsNullOrEmpty(file))
        {
            return null;
        }

        var full = Resolve(baseDir, file);
        return File.Exists(full)
            ? File.ReadAllText(full)
            : throw new KubeConfigException($"The {field} file '{full}' does not exist.");
    }

    private static X509Certificate2Collection? ReadCertificates(string? base64, string? file, string baseDir, string field)
    {
        var pem = ReadPem(base64, file, baseDir, field);
        if (pem is null)
        {
            return null;
        }

        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"The {field} is not a PEM certificate bundle: {e.Message}", e);
        }

        return collection.Count > 0 ? collection : throw new KubeConfigException($"The {field} holds no PEM certificate.");
    }
}
