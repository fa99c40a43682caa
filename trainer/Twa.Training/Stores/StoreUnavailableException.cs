namespace Twa.Training.Stores;

/// <summary>The store's server (Redis) could not be reached, or stayed unreachable for longer than the retry budget
/// of <see cref="RedisStoreOptions.RetryBudget"/>. <see cref="Endpoint"/> names the server(s) tried.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException() { }

    public StoreUnavailableException(string message) : base(message) { }

    public StoreUnavailableException(string message, Exception inner) : base(message, inner) { }

    public StoreUnavailableException(string endpoint, string message, Exception? inner) : base(message, inner)
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint(s) that could not be reached, e.g. "redis-0.redis:6379".</summary>
    public string Endpoint { get; } = "";
}
