namespace Twa.Training.Phases;

/// <summary>One row of history.csv: a phase's epoch with its training and test figures.</summary>
public sealed record EpochRecord(string Phase, int Epoch, double LearningRate, double TrainLoss, double TrainAccuracy,
    double TestLoss, double TestAccuracy, double Seconds);
