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
}
