namespace Twa.Jobs;

/// <summary>TWA variant: <c>schmidt</c> (ICLR 2023, orthonormal basis) or <c>centered</c> (journal, block-normalised, quantised).</summary>
public enum TwaVariant { Schmidt, Centered }
