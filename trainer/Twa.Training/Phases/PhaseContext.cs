using System.Globalization;
using Twa.Training.Data;
using Twa.Training.Distributed;
using Twa.Training.Models;
using Twa.Training.Stores;

namespace Twa.Training.Phases;

/// <summary>What every phase of one run shares: the model, the data, the seed, the snapshot store, where progress
/// lines go and the ranks (<see cref="RankGroup.OneRank"/> unless the run is distributed).</summary>
public sealed record PhaseContext(Model Model, DatasetSplits Data, int BatchSize, ulong Seed, ISnapshotStore Store, Action<string> Log)
{
    /// <summary>Called after every step with (phase, epoch, epochs, steps done in the epoch, steps in the epoch); for progress bars.</summary>
    public Action<string, int, int, int, int>? Progress { get; init; }

    /// <summary>The ranks of the run; every rank holds the full weights and processes its slice of each global batch.</summary>
    public RankGroup Ranks { get; init; } = RankGroup.OneRank;

    /// <summary>Where the committed state goes and is resumed from: base training's every <c>base.checkpointEverySteps</c>
    /// steps and after every epoch (slot "base") and, when <see cref="CommitTwaState"/>, TWA's every
    /// <see cref="CheckpointEverySteps"/> steps (slot "twa"). Rank 0
    /// writes; every rank reads. Null = nothing is committed or resumed. Not owned by the context.</summary>
    public IStateStore? State { get; init; }

    /// <summary>Where <see cref="State"/> lives, for log lines (a directory, or the Redis endpoint and key prefix).</summary>
    public string StateLocation { get; init; } = "";

    /// <summary>Commit the TWA state (coefficients, optimizer moments, step, partial epoch sums, history) to
    /// <see cref="State"/> and resume from it (elastic runs).</summary>
    public bool CommitTwaState { get; init; }

    /// <summary>Membership generation the commits are made in (the store refuses commits older than its latest).</summary>
    public long Generation { get; init; }

    /// <summary>TWA commit interval in steps (spec.training.checkpointEverySteps).</summary>
    public int CheckpointEverySteps { get; init; } = 1;

    /// <summary>Called on every rank after each optimizer step and its commit, with (phase, steps done in the phase); an
    /// elastic worker throws from it to abandon the run when a new membership generation exists.</summary>
    public Action<string, long>? AfterStep { get; init; }

    /// <summary>Receives this rank's steps, evaluations, basis and commits (metrics); null = none.</summary>
    public IRunObserver? Observer { get; init; }

    /// <summary>True on the rank that evaluates, logs and writes the outputs (rank 0).</summary>
    public bool IsLeader => Ranks.Rank == 0;

    /// <summary>Sums this rank's loss and correct counts over the ranks; then every rank evaluates the model on the test
    /// split, and rank 0 logs the epoch's line and returns its history row (other ranks return the row with NaN test
    /// figures). The other ranks evaluate too although only rank 0 reports: otherwise they would wait for rank 0 inside
    /// the next collective, whose timeout a long evaluation (a large test set, a big model on the CPU) can exceed, which
    /// reads as a lost peer. On one GPU per rank this costs no wall time.</summary>
    public EpochRecord FinishEpoch(string phase, int epoch, int epochs, double lr, double lossSum, long correct, int samples, double seconds)
    {
        if (!Ranks.IsSingle)
        {
            var sums = Ranks.SumScalars(lossSum, correct);
            (lossSum, correct) = (sums[0], (long)Math.Round(sums[1]));
        }

        Observer?.Evaluated("train", (double)correct / samples);
        var test = Evaluator.Evaluate(Model, Data.Test, Data.Mean, Data.Std);
        if (!IsLeader)
        {
            return new EpochRecord(phase, epoch, lr, lossSum / samples, (double)correct / samples, double.NaN, double.NaN, seconds);
        }

        Observer?.Evaluated("test", test.Accuracy);
        var record = new EpochRecord(phase, epoch, lr, lossSum / samples, (double)correct / samples, test.Loss, test.Accuracy, seconds);
        Log(string.Create(CultureInfo.InvariantCulture,
            $"{phase,-5} epoch {epoch,3}/{epochs}  lr {lr:G3}  train loss {record.TrainLoss:F4} acc {record.TrainAccuracy:P2}  test loss {test.Loss:F4} acc {test.Accuracy:P2}  {seconds:F1}s"));
        return record;
    }
}
