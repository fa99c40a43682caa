namespace Twa.Training.Data;

/// <summary>The splits a job uses: training (minus the held-out part), held-out (TWA-v; empty when the job holds
/// nothing out) and test, with the normalisation statistics of the training split. Immutable.</summary>
public sealed record DatasetSplits(ImageSet Train, ImageSet Holdout, ImageSet Test, double[] Mean, double[] Std);
