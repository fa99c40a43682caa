namespace Twa.Kubernetes.Testing;

/// <summary>
/// An injected fault: the next <see cref="Remaining"/> matching requests are delayed by <see cref="Delay"/> (if set) and
/// then answered with <see cref="StatusCode"/>, or served normally when it is 0.
/// </summary>
internal sealed class FaultRule(string? verb, string? resource, int statusCode, TimeSpan? retryAfter, int count, TimeSpan? delay = null)
{
    public TimeSpan? Delay { get; } = delay;

    public int StatusCode { get; } = statusCode;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public int Remaining { get; set; } = count;

    public bool Matches(string requestVerb, string requestResource) =>
        Remaining > 0 && (verb is null || verb == requestVerb) && (resource is null || resource == requestResource);
}
