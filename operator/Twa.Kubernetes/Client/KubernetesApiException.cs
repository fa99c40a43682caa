using System.Net;
using Twa.Kubernetes.Models;

namespace Twa.Kubernetes.Client;

/// <summary>
/// A request the API server answered with an error status. Carries the HTTP code, the Status reason
/// and message, and helpers for the cases a controller branches on (404, 409 Conflict vs AlreadyExists, 410, 422, 429).
/// </summary>
public sealed class KubernetesApiException : Exception
{
    public KubernetesApiException()
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Builds the exception for a failed request.</summary>
    /// <param name="statusCode">HTTP status code.</param>
    /// <param name="status">The decoded Status body, if the server sent one.</param>
    /// <param name="method">HTTP method, for the message.</param>
    /// <param name="path">Request path, for the message.</param>
    /// <param name="retryAfter">The Retry-After the server asked for, if any.</param>
    public KubernetesApiException(HttpStatusCode statusCode, V1Status? status, string method, string path, TimeSpan? retryAfter = null)
        : base($"{method} {path} failed: {(int)statusCode} {status?.Reason ?? statusCode.ToString()}: {status?.Message ?? "(no Status body)"}")
    {
        StatusCode = statusCode;
        Status = status;
        RetryAfter = retryAfter;
    }

    /// <summary>HTTP status code of the response.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status body, when the server sent one.</summary>
    public V1Status? Status { get; }

    /// <summary>The Status reason (NotFound, Conflict, AlreadyExists, Invalid, Gone, Expired, TooManyRequests, ...), or null.</summary>
    public string? Reason => Status?.Reason;

    /// <summary>The server's Retry-After, when given.</summary>
    public TimeSpan? RetryAfter { get; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>409 for any reason (stale resourceVersion, failed precondition, or AlreadyExists).</summary>
    public bool IsConflictStatus => StatusCode == HttpStatusCode.Conflict;

    /// <summary>409 from a create whose name is taken.</summary>
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>409 from a stale resourceVersion or a failed delete precondition.</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    /// <summary>410: the requested resourceVersion is older than the server's history; re-list.</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone;

    /// <summary>422: the object failed validation; <see cref="V1StatusDetails.Causes"/> name the fields.</summary>
    public bool IsInvalid => StatusCode == HttpStatusCode.UnprocessableEntity;

    public bool IsTooManyRequests => StatusCode == HttpStatusCode.TooManyRequests;
}
