namespace Twa.Kubernetes.Client;

/// <summary>How many requests ended with <paramref name="Code"/> for one verb and resource (0 = no HTTP response).</summary>
/// <param name="Verb">Kubernetes verb: get, list, watch, create, update, patch, delete.</param>
/// <param name="Resource">Plural resource, with <c>/status</c> or <c>/scale</c> for subresources.</param>
/// <param name="Code">HTTP status code, 0 when the request failed without a response.</param>
/// <param name="Count">Requests so far (each retry attempt counts).</param>
public sealed record KubernetesRequestCount(string Verb, string Resource, int Code, long Count);
