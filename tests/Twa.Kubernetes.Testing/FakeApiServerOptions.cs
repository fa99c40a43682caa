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
}
