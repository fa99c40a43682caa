using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twa.Training.Distributed;

namespace Twa.Training.Runs;

/// <summary>OUT/ranks/rank-R.json of a distributed run: the rank's column range, its basis bytes, the payload bytes it
/// sent per collective and during the TWA fit (with the number of TWA steps), so per-rank memory and communication can
/// be checked against n·D·bits/8/K and the row scheme.</summary>
public static class RankReport
{
    public static string PathOf(string directory, int rank) =>
        Path.Combine(directory, "ranks", string.Create(CultureInfo.InvariantCulture, $"rank-{rank}.json"));

    public static void Write(string directory, RankGroup ranks, long parameters, RunResult result)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(result);
        var columns = ranks.Columns(parameters);
        var collectives = new JsonObject();
        foreach (var (op, c) in ranks.Stats?.Snapshot() ?? new Dictionary<Torch.Distributed.CollectiveOp, Torch.Distributed.CollectiveCounters>())
        {
            collectives[op.ToString()] = new JsonObject { ["calls"] = c.Calls, ["failures"] = c.Failures, ["bytes_sent"] = c.BytesSent, ["seconds"] = Math.Round(c.Seconds, 4) };
        }

        var root = new JsonObject
        {
            ["rank"] = ranks.Rank,
            ["workers"] = ranks.Size,
            ["parameters"] = parameters,
            ["columns"] = new JsonObject { ["start"] = columns.Start, ["count"] = columns.Count },
            ["collectives"] = collectives,
        };
        if (result.Twa is { } fit)
        {
            root["twa"] = new JsonObject
            {
                ["basis_bytes"] = fit.BasisBytes,
                ["steps"] = fit.FitSteps,
                ["bytes_sent"] = fit.FitBytesSent,
                ["bytes_sent_per_step"] = fit.FitSteps == 0 ? 0 : (double)fit.FitBytesSent / fit.FitSteps,
                ["coefficients"] = new JsonArray(fit.Coordinates.Select(v => (JsonNode)v).ToArray()),
            };
        }

        var path = PathOf(directory, ranks.Rank);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
