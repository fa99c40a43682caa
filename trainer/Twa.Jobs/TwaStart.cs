namespace Twa.Jobs;

/// <summary>Where TWA starts: the mean of the selected snapshots (the SWA point) or the last selected snapshot.</summary>
public enum TwaStart { Mean, Last }
