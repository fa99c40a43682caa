namespace Twa.Training.Models;

/// <summary>A residual block of a model (RAPTR / layer dropping): <see cref="Skippable"/> when its shortcut is the
/// identity, so dropping the block leaves the shapes unchanged.</summary>
public sealed record ResidualBlock(string Name, int Index, bool Skippable);
