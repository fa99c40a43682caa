namespace Twa.Jobs.Operator;

/// <summary>The c10d TCPStore of a generation: hosted by rank 0's pod, on a port that rotates with the generation.</summary>
public sealed record StoreEndpoint(string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";
}
