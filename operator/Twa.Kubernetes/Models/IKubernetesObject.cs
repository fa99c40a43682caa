namespace Twa.Kubernetes.Models;

/// <summary>An API object: type meta plus object meta.</summary>
public interface IKubernetesObject
{
    /// <summary><c>group/version</c>; the client fills it from the type's descriptor when null.</summary>
    string? ApiVersion { get; set; }

    /// <summary>Kind; the client fills it from the type's descriptor when null.</summary>
    string? Kind { get; set; }

    /// <summary>Standard object metadata.</summary>
    V1ObjectMeta Metadata { get; set; }
}
