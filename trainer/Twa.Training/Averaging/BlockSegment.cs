namespace Twa.Training.Averaging;

/// <summary>The part of parameter block <paramref name="Block"/> that lies in one rank's column range: columns
/// [<paramref name="LocalOffset"/>, <paramref name="LocalOffset"/> + <paramref name="Length"/>) of that rank's
/// basis slice.</summary>
public readonly record struct BlockSegment(int Block, long LocalOffset, long Length);
