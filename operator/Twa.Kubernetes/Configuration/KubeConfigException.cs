namespace Twa.Kubernetes.Configuration;

/// <summary>A kubeconfig or in-cluster configuration that cannot be used; the message names the file, the field and the fix.</summary>
public sealed class KubeConfigException : Exception
{
    public KubeConfigException()
    {
    }

    public KubeConfigException(string message)
        : base(message)
    {
    }

    public KubeConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
