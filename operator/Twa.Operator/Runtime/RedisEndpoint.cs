namespace Twa.Operator.Runtime;

/// <summary>Identifies one Redis connection of the operator: address, database, TLS and password (resolved from the
/// job's Secret). Immutable; equal endpoints share a connection.</summary>
public sealed record RedisEndpoint(string Address, int Database, bool Tls, string? Password)
{
    /// <summary>Address and database, without the password (for logs and messages).</summary>
    public override string ToString() => $"{Address}/{Database}";
}
