using System.Security.Cryptography.X509Certificates;

namespace Twa.Kubernetes.Testing;

/// <summary>Tunables of <see cref="FakeApiServer"/>, small by default so tests see bookmarks and expiry quickly.</summary>
public sealed record FakeApiServerOptions
{
    /// <summary>How often an open watch that allows bookmarks gets a BOOKMARK (the real server: about a minute). Default 1 s.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Watch duration when the request has no timeoutSeconds. Default 30 min.</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Changes kept for resuming watches; older resourceVersions get 410 Gone. Default 10 000.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>
    /// Serve HTTPS with this certificate (with private key) instead of plain HTTP. Client certificates are then
    /// accepted without validation and the last one's subject is reported by <see cref="FakeApiServer.LastClientCertificateSubject"/>.
    /// </summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>
    /// Pods are deleted gracefully, as by a real API server with a kubelet: a DELETE without <c>gracePeriodSeconds: 0</c>
    /// of a pod that is bound to a node (<c>spec.nodeName</c>) and not in a terminal phase only sets
    /// <c>deletionTimestamp</c>/<c>deletionGracePeriodSeconds</c>; the pod goes when a kubelet (simulator) deletes it
    /// again with a grace period of 0. Default false: pods are deleted at once.
    /// </summary>
    public bool GracefulPodDeletion { get; init; }
}
