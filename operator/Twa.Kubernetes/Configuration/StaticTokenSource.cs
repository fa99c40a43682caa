namespace Twa.Kubernetes.Configuration;

/// <summary>A fixed token (kubeconfig <c>token</c>). Thread-safe.</summary>
public sealed class StaticTokenSource(string token) : IBearerTokenSource
{
    private readonly string _token = string.IsNullOrWhiteSpace(token)
        ? throw new ArgumentException("The bearer token is empty.", nameof(token))
        : token.Trim();

    /// <inheritdoc />
    public string GetToken() => _token;
}
