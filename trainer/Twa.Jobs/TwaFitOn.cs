namespace Twa.Jobs;

/// <summary>Data the TWA coefficients are fitted on: the training split (TWA-t) or the held-out split (TWA-v).</summary>
public enum TwaFitOn { Train, Holdout }
