namespace Twa.Jobs.Operator;

/// <summary>A member of a generation: the pod, its stable ordinal and its dense rank in this generation.</summary>
public sealed record MembershipMember(string Pod, int Ordinal, int Rank);
