namespace Twa.Training.Phases;

/// <summary>Mean loss and accuracy (fraction in [0, 1]) over a split.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy, int Samples);
