namespace Twa.Jobs;

/// <summary>Baselines evaluated on the same run.</summary>
public enum BaselineName { Swa, Ema }
