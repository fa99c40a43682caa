namespace Twa.Kubernetes.Configuration;

/// <summary>Supplies the bearer token for each request. Implementations must be thread-safe; the client calls it once per request attempt.</summary>
public interface IBearerTokenSource
{
    /// <summary>The current token (without the <c>Bearer </c> prefix).</summary>
    string GetToken();
}
