using System.Globalization;
using Twa.Torch;
using Twa.Torch.Serialization;
using Twa.Training.Optim;
using Twa.Training.Phases;

namespace Twa.Training.Averaging;

/// <summary>
/// The committed TWA state in <c>DIR/twa-state.safetensors</c> (DESIGN.md section 5): the coefficients, the optimizer
/// moments and step count, the steps done, the loss/correct sums of the epoch in progress (summed over the ranks) and
/// the history rows so far. Written by rank 0 via temp file + rename, so a reader sees a whole commit; read by every
/// rank of a new generation. Tied to the variant, the snapshot range and the coefficient count: another job's state
/// is an error naming the file.
/// </summary>
internal static class TwaCheckpoint
{
    public const string FileName = "twa-state.safetensors";

    public sealed record Position(long Step, double LossSum, long Correct, EpochRecord[] History);

    public static void Write(string directory, string identity, Tensor coefficients, IOptimizer optimizer, Position position)
    {
        Directory.CreateDirectory(directory);
        var tensors = new List<(string, Tensor)> { ("coefficients", coefficients) };
        tensors.AddRange(optimizer.State.Select(kv => ($"optimizer.{kv.Key}", kv.Value)));
        SafetensorsFile.Write(Path.Combine(directory, FileName), tensors, new Dictionary<string, string>
        {
            ["identity"] = identity,
            ["step"] = position.Step.ToString(CultureInfo.InvariantCulture),
            ["optimizer_steps"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["loss_sum"] = position.LossSum.ToString("R", CultureInfo.InvariantCulture),
            ["correct"] = position.Correct.ToString(CultureInfo.InvariantCulture),
            ["history"] = HistoryJson.Write(position.History),
        });
    }

    /// <summary>Restores the coefficients and the optimizer from the last commit; null when there is none.</summary>
    public static Position? TryRead(string directory, string identity, Tensor coefficients, IOptimizer optimizer)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using var content = SafetensorsFile.Read(path);
        if (content.Metadata.GetValueOrDefault("identity") != identity)
        {
            throw new InvalidOperationException(
                $"{path} holds TWA state of '{content.Metadata.GetValueOrDefault("identity")}', not '{identity}'; use another --out directory");
        }

        using (Autograd.NoGrad())
        {
            coefficients.CopyFrom(content["coefficients"]);
        }

        var state = content.Names.Where(n => n.StartsWith("optimizer.", StringComparison.Ordinal))
            .ToDictionary(n => n["optimizer.".Length..], n => content[n]);
        optimizer.Restore(state, long.Parse(content.Metadata["optimizer_steps"], CultureInfo.InvariantCulture));
        return new Position(
            long.Parse(content.Metadata["step"], CultureInfo.InvariantCulture),
            double.Parse(content.Metadata["loss_sum"], CultureInfo.InvariantCulture),
            long.Parse(content.Metadata["correct"], CultureInfo.InvariantCulture),
            HistoryJson.Read(content.Metadata.GetValueOrDefault("history")));
    }
}
