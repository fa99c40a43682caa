using System.Globalization;
using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Jobs.Operator;
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
/// by every rank of a new generation. Tied to the fit that made it (<see cref="Identity"/>): the commit of another fit is
/// refused with a <see cref="StateMismatchException"/> naming each differing field, before anything is restored.
/// </summary>
internal static class TwaCheckpoint
{
    public const string Slot = "twa";

    /// <summary>The metadata key of <see cref="Identity.Shape"/>.</summary>
    private const string ShapeKey = "identity";

    public sealed record Position(long Step, double LossSum, long Correct, EpochRecord[] History);

    /// <summary>What a commit is tied to: its <paramref name="Shape"/> ("{variant} {snapshot indices} x{coefficient
    /// count}", checked for every commit) and the job fingerprint (<paramref name="Job"/>, under
    /// <see cref="JobFingerprint.Key"/>; commits made before it existed are resumed without it).</summary>
    public sealed record Identity(string Shape, JobFingerprint Job);

    /// <summary>The identity of a fit of <paramref name="coefficientCount"/> coefficients. Its fingerprint is canonical JSON,
    /// in the job file's spelling, of what decides the fit's trajectory: <c>seed</c> (the run's, after --seed), the
    /// <c>model</c> (arch, classes), <c>data.batchSize</c>, <c>data.augment</c> as written (null = none; a fit on the
    /// training split applies it) and the whole <c>twa</c> section (TWA's commit interval is
    /// <c>spec.training.checkpointEverySteps</c>, outside it). Where the data lives, the device and the number of ranks
    /// are not part of it: a moved or resized run resumes.</summary>
    public static Identity IdentityOf(ulong seed, ModelSpec model, int batchSize, TwaPhaseSpec spec, AugmentSpec? augment, long coefficientCount) => new(
        string.Create(CultureInfo.InvariantCulture, $"{spec.Variant} {string.Join(',', spec.Snapshots.Indices())} x{coefficientCount}"),
        new JobFingerprint(FingerprintOf(seed, model, batchSize, spec, augment ?? new AugmentSpec()),
            FingerprintOf(0, new ModelSpec(), new DataSpec().BatchSize, new TwaPhaseSpec(), new AugmentSpec())));

    private static JsonObject FingerprintOf(ulong seed, ModelSpec model, int batchSize, TwaPhaseSpec spec, AugmentSpec augment) => new()
    {
        ["seed"] = (long)seed,
        ["model"] = TwaJobJson.ToJson(model),
        ["data"] = new JsonObject { ["batchSize"] = batchSize, ["augment"] = TwaJobJson.ToJson(augment) },
        ["twa"] = TwaJobJson.ToJson(spec),
    };

    public static void Write(PhaseContext ctx, IStateStore store, Identity identity, Tensor coefficients, IOptimizer optimizer, Position position)
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
                [ShapeKey] = identity.Shape,
                [JobFingerprint.Key] = identity.Job.Json,
                ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
                ["loss_sum"] = position.LossSum.ToString("R", CultureInfo.InvariantCulture),
                ["correct"] = position.Correct.ToString(CultureInfo.InvariantCulture),
                ["history"] = HistoryJson.Write(position.History),
            },
        });
    }

    /// <summary>Restores the coefficients, the optimizer, the BN buffers and the dropout generator from the last commit;
    /// null when there is none. The commit of another fit (<paramref name="identity"/>) throws
    /// <see cref="StateMismatchException"/> before anything is restored.</summary>
    public static Position? TryRead(PhaseContext ctx, IStateStore store, Identity identity, Tensor coefficients, IOptimizer optimizer)
    {
        using var content = store.ReadLatest(Slot);
        if (content is null)
        {
            return null;
        }

        var where = ctx.StateLocation;
        identity.Job.Check(content, where, "TWA state");
        if (content.Metadata.GetValueOrDefault(ShapeKey) != identity.Shape)
        {
            throw new StateMismatchException(
                $"{where} holds TWA state of '{content.Metadata.GetValueOrDefault(ShapeKey)}', not '{identity.Shape}'; use another --out directory or store, or delete {where}");
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
