namespace Twa.Training.Stores;

/// <summary>The store's server answers, but is of a kind the store cannot work with (a Redis Cluster node). Not
/// transient: retrying does not help, the store's address has to change. <see cref="Endpoint"/> names the server(s).</summary>
public sealed class StoreUnsupportedException : Exception
{
    public StoreUnsupportedException() { }

    public StoreUnsupportedException(string message) : base(message) { }

    public StoreUnsupportedException(string message, Exception inner) : base(message, inner) { }

    public StoreUnsupportedException(string endpoint, string message) : base(message)
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint(s) of the server, e.g. "redis-0.redis:6379".</summary>
    public string Endpoint { get; } = "";
}
