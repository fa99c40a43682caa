using System.Globalization;
using Twa.Jobs.Operator;

namespace Twa.Jobs;

/// <summary>Semantic checks of a bound TwaJob; each problem names the field and the fix. Checks that need the
/// data or the snapshot store (a range beyond the snapshots that exist) happen when the job runs.</summary>
public static class TwaJobValidator
{
    public static IReadOnlyList<string> Validate(V1Alpha1TwaJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var p = new List<string>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                p.Add($"{field}: {message}");
            }
        }

        Check(job.ApiVersion == V1Alpha1TwaJob.ApiVersionValue, "apiVersion",
            $"'{job.ApiVersion}' is not supported; use {V1Alpha1TwaJob.ApiVersionValue}");
        Check(job.Kind == V1Alpha1TwaJob.KindValue, "kind", $"'{job.Kind}' is not supported; use {V1Alpha1TwaJob.KindValue}");
        Check(IsDnsLabel(job.Metadata.Name), "metadata.name",
            $"'{job.Metadata.Name}' must be a DNS label (lowercase letters, digits, '-', at most 63 characters)");
        p.AddRange(OperatorSpecValidator.Validate(job.Spec));

        var t = job.Spec.Training;
        const string tp = "spec.training";
        Check(IsDevice(t.Device), $"{tp}.device", $"'{t.Device}' is not a device; use auto, cpu, cuda or cuda:N");
        Check(t.Model.Arch.Length > 0, $"{tp}.model.arch", $"required; use one of: {string.Join(", ", ModelSpec.KnownArchitectures)}");
        Check(t.Model.Arch.Length == 0 || ModelSpec.KnownArchitectures.Contains(t.Model.Arch), $"{tp}.model.arch",
            $"unknown architecture '{t.Model.Arch}'; use one of: {string.Join(", ", ModelSpec.KnownArchitectures)}");
        Check(t.Model.NumClasses >= 2, $"{tp}.model.numClasses", "must be >= 2");
        Check(t.Data.Path.Length > 0, $"{tp}.data.path", "required: the dataset directory");
        Check(t.Data.BatchSize >= 1, $"{tp}.data.batchSize", "must be >= 1 (the global batch, split over the ranks)");
        Check(t.Data.HoldoutFraction is >= 0 and < 1, $"{tp}.data.holdoutFraction", "must be in [0, 1)");
        Check(t.Data.Augment.RandomCropPadding >= 0, $"{tp}.data.augment.randomCropPadding", "must be >= 0");
        Check(t.Base is not null || t.Twa is not null, tp, "needs a 'base' phase, a 'twa' phase, or both");
        Check(t.CheckpointEverySteps >= 1, $"{tp}.checkpointEverySteps", "must be >= 1");
        Check(t.Baselines.Distinct().Count() == t.Baselines.Length, $"{tp}.baselines", "lists a baseline twice");
        Check(t.Baselines.Length == 0 || t.Twa is not null, $"{tp}.baselines",
            "baselines are evaluated on the TWA snapshots; add a 'twa' phase or remove them");

        if (t.Base is { } b)
        {
            var bp = $"{tp}.base";
            Check(b.Epochs >= 1, $"{bp}.epochs", "must be >= 1");
            ValidateOptimizer(b.Optimizer, $"{bp}.optimizer", Check);
            ValidateSchedule(b.Schedule, b.Epochs, $"{bp}.schedule", Check);
            var every = b.SnapshotEvery;
            Check(every.Epochs.HasValue ^ every.Steps.HasValue, $"{bp}.snapshotEvery", "give exactly one of {epochs: N} or {steps: N}");
            Check(every.Epochs is null or >= 1, $"{bp}.snapshotEvery.epochs", "must be >= 1");
            Check(every.Steps is null or >= 1, $"{bp}.snapshotEvery.steps", "must be >= 1");
            Check(b.CheckpointEverySteps >= 0, $"{bp}.checkpointEverySteps",
                $"must be >= 0 (commit every N steps and after each epoch; 0 = after each epoch only; default {BasePhaseSpec.DefaultCheckpointEverySteps})");
        }

        if (t.Twa is { } w)
        {
            var wp = $"{tp}.twa";
            var r = w.Snapshots;
            Check(r.From >= 0, $"{wp}.snapshots.from", "must be >= 0 (snapshot 0 is the initial weights)");
            Check(r.Stride >= 1, $"{wp}.snapshots.stride", "must be >= 1");
            Check(r.To > r.From, $"{wp}.snapshots.to", $"must be greater than from ({r.From}); the range is end-exclusive");
            Check(r.Stride < 1 || r.To <= r.From || r.Indices().Count() >= 2, $"{wp}.snapshots",
                "selects fewer than 2 snapshots; TWA needs at least two");
            if (t.Base is { SnapshotEvery.Epochs: int perEpochs } b2 && r.To > r.From)
            {
                var available = b2.Epochs / perEpochs + 1;
                Check(r.To <= available, $"{wp}.snapshots.to",
                    string.Create(CultureInfo.InvariantCulture,
                        $"{r.To} is beyond the {available} snapshots base training saves (0..{available - 1}); use to <= {available}"));
            }

            Check(w.Epochs >= 1, $"{wp}.epochs", "must be >= 1");
            Check(TwaPhaseSpec.SupportedProjectionBits.Contains(w.ProjectionBits), $"{wp}.projectionBits",
                $"{w.ProjectionBits} is not supported; use one of {string.Join(", ", TwaPhaseSpec.SupportedProjectionBits)}");
            Check(w.Variant == TwaVariant.Centered || w.ProjectionBits == 32, $"{wp}.projectionBits",
                "quantised bases are a 'centered' (journal) feature; use variant: centered or projectionBits: 32");
            Check(w.Variant != TwaVariant.Centered || w.Start == TwaStart.Mean, $"{wp}.start",
                "'last' is not supported by variant: centered (the journal variant always starts at the snapshots' mean, x = 0); "
                + "remove start, or use variant: schmidt");
            Check(w.BlockSize >= 0, $"{wp}.blockSize", "must be >= 0 (0 = one block per parameter tensor)");
            Check(w.FitOn == TwaFitOn.Train || t.Data.HoldoutFraction > 0, $"{wp}.fitOn",
                "holdout (TWA-v) needs data.holdoutFraction > 0");
            ValidateOptimizer(w.Optimizer, $"{wp}.optimizer", Check);
            ValidateSchedule(w.Schedule, w.Epochs, $"{wp}.schedule", Check);
        }

        return p;
    }

    private static void ValidateOptimizer(OptimizerSpec o, string path, Action<bool, string, string> check)
    {
        check(o.Lr > 0, $"{path}.lr", "must be > 0");
        check(o.Momentum is >= 0 and < 1, $"{path}.momentum", "must be in [0, 1)");
        check(o.WeightDecay >= 0, $"{path}.weightDecay", "must be >= 0");
        check(!o.Nesterov || (o.Name == OptimizerName.Sgd && o.Momentum > 0), $"{path}.nesterov", "needs sgd with momentum > 0");
        check(o.Betas.Length == 2 && o.Betas.All(b => b is >= 0 and < 1), $"{path}.betas", "must be two numbers in [0, 1)");
        check(o.Eps > 0, $"{path}.eps", "must be > 0");
    }

    private static void ValidateSchedule(ScheduleSpec s, int epochs, string path, Action<bool, string, string> check)
    {
        check(s.Gamma is > 0 and <= 1, $"{path}.gamma", "must be in (0, 1]");
        check(s.WarmupEpochs >= 0 && s.WarmupEpochs <= epochs, $"{path}.warmupEpochs", $"must be in [0, {epochs}]");
        check(s.WarmupFraction is >= 0 and < 1, $"{path}.warmupFraction", "must be in [0, 1)");
        check(s.WarmupEpochs == 0 || s.WarmupFraction == 0, $"{path}", "give warmupEpochs or warmupFraction, not both");
        check(s.Milestones is null || (s.Milestones.All(m => m >= 0 && m <= epochs) && s.Milestones.Order().SequenceEqual(s.Milestones)),
            $"{path}.milestones", $"must be increasing epochs within [0, {epochs}]");
    }

    private static bool IsDnsLabel(string name) =>
        name.Length is > 0 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && name[0] != '-' && name[^1] != '-';

    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive; the same grammar as
    /// <c>Twa.Torch.Device.Parse</c>, checked here without loading libtorch).</summary>
    private static bool IsDevice(string device)
    {
        var t = device.Trim().ToLowerInvariant();
        return t is "auto" or "cpu" or "cuda"
            || (t.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(t.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
    }
}
