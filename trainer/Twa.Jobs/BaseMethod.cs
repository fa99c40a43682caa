namespace Twa.Jobs;

/// <summary>Base-training method (RAPTR and Cuttlefish come later).</summary>
public enum BaseMethod { Sgd }
