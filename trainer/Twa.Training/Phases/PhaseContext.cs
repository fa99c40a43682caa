using System.Globalization;
using Twa.Training.Data;
using Twa.Training.Models;
using Twa.Training.Stores;

namespace Twa.Training.Phases;

/// <summary>What every phase of one run shares: the model, the data, the seed, the snapshot store and where
/// progress lines go.</summary>
public sealed record PhaseContext(Model Model, DatasetSplits Data, int BatchSize, ulong Seed, ISnapshotStore Store, Action<string> Log)
{
    /// <summary>Called after every step with (phase, epoch, epochs, steps done in the epoch, steps in the epoch); for progress bars.</summary>
    public Action<string, int, int, int, int>? Progress { get; init; }

    /// <summary>Evaluates the model on the test split, logs the epoch's line and returns its history row.</summary>
    public EpochRecord FinishEpoch(string phase, int epoch, int epochs, double lr, double lossSum, long correct, int samples, double seconds)
    {
        var test = Evaluator.Evaluate(Model, Data.Test, Data.Mean, Data.Std);
        var record = new EpochRecord(phase, epoch, lr, lossSum / samples, (double)correct / samples, test.Loss, test.Accuracy, seconds);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"{phase,-5} epoch {epoch,3}/{epochs}  lr {lr:G3}  train loss {record.TrainLoss:F4} acc {record.TrainAccuracy:P2}  test loss {test.Loss:F4} acc {test.Accuracy:P2}  {seconds:F1}s"));
        return record;
    }
}
