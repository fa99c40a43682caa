using System.Globalization;
using Twa.Torch;
using Twa.Training.Optim;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Training.Averaging;

/// <summary>
/// The committed TWA state in slot <see cref="Slot"/> of the run's <see cref="IStateStore"/> (DESIGN.md section 5): the
/// coefficients, the optimizer moments and step count, the model's BN buffers (rank 0's running statistics, which the
/// epoch-end evaluations use) and dropout generator state, the steps done, the loss/correct sums of the epoch in
/// progress (summed over the ranks) and the history rows so far. Written by rank 0 (the store makes each commit atomic); read
/// by every rank of a new generation. Tied to the variant, the snapshot range and the coefficient count: another job's
/// state is an error naming the store.
/// </summary>
internal static class TwaCheckpoint
{
    public const string Slot = "twa";

    public sealed record Position(long Step, double LossSum, long Correct, EpochRecord[] History);

    public static void Write(PhaseContext ctx, IStateStore store, string identity, Tensor coefficients, IOptimizer optimizer, Position position)
    {
        var tensors = new List<(string, Tensor)> { (CommittedState.CoefficientsName, coefficients) };
        tensors.AddRange(optimizer.State.Select(kv => (CommittedState.OptimizerPrefix + kv.Key, kv.Value)));
        tensors.AddRange(CommittedModel.Buffers(ctx.Model));
        store.Commit(Slot, new CommittedState
        {
            Generation = ctx.Generation,
            Step = position.Step,
            RngState = CommittedModel.RngState(ctx.Model),
            Tensors = tensors,
            Metadata = new Dictionary<string, string>
            {
                ["identity"] = identity,
                ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
                ["loss_sum"] = position.LossSum.ToString("R", CultureInfo.InvariantCulture),
                ["correct"] = position.Correct.ToString(CultureInfo.InvariantCulture),
                ["history"] = HistoryJson.Write(position.History),
            },
        });
    }

    /// <summary>Restores the coefficients, the optimizer, the BN buffers and the dropout generator from the last commit;
    /// null when there is none.</summary>
    public static Position? TryRead(PhaseContext ctx, IStateStore store, string identity, Tensor coefficients, IOptimizer optimizer)
    {
        using var content = store.ReadLatest(Slot);
        if (content is null)
        {
            return null;
        }

        if (content.Metadata.GetValueOrDefault("identity") != identity)
        {
            throw new InvalidOperationException(
                $"{ctx.StateLocation} holds TWA state of '{content.Metadata.GetValueOrDefault("identity")}', not '{identity}'; use another --out directory or store");
        }

        using (Autograd.NoGrad())
        {
            coefficients.CopyFrom(content[CommittedState.CoefficientsName]);
        }

        CommittedModel.Restore(ctx.Model, content);

        var state = content.Tensors.Where(t => t.Name.StartsWith(CommittedState.OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name[CommittedState.OptimizerPrefix.Length..], t => t.Tensor);
        optimizer.Restore(state, long.Parse(content.Metadata["optimizer_steps"], CultureInfo.InvariantCulture));
        return new Position(
            content.Step,
            double.Parse(content.Metadata["loss_sum"], CultureInfo.InvariantCulture),
            long.Parse(content.Metadata["correct"], CultureInfo.InvariantCulture),
            HistoryJson.Read(content.Metadata.GetValueOrDefault("history")));
    }
}
