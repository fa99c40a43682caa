namespace Twa.Kubernetes.Testing;

/// <summary>An injected failure: the next <see cref="Remaining"/> matching requests are answered with <see cref="StatusCode"/>.</summary>
internal sealed class FaultRule(string? verb, string? resource, int statusCode, TimeSpan? retryAfter, int count)
{
    public int StatusCode { get; } = statusCode;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public int Remaining { get; set; } = count;

    public bool Matches(string requestVerb, string requestResource) =>
        Remaining > 0 && (verb is null || verb == requestVerb) && (resource is null || resource == requestResource);
}
