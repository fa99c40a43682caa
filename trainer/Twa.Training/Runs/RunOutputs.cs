using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Twa.Jobs;
using Twa.Torch.Serialization;

namespace Twa.Training.Runs;

/// <summary>Writes the files of DESIGN.md section 4/8: metrics.json (the CLI contract), history.csv and curves.svg.
/// metrics.json is written last and via temp file + rename, so its presence means the run succeeded.</summary>
public static class RunOutputs
{
    public const string MetricsFile = "metrics.json";

    public static void Write(string directory, V1Alpha1TwaJob job, RunResult r)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(r);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "history.csv"), HistoryCsv(r));
        File.WriteAllText(Path.Combine(directory, "curves.svg"), CurvesSvg.Render(r.History, job.Metadata.Name));
        var path = Path.Combine(directory, MetricsFile);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.UTF8.GetBytes(Metrics(job, r).ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(directory); // the success marker survives a crash once Write returns
    }

    private static JsonObject Metrics(V1Alpha1TwaJob job, RunResult r)
    {
        var t = job.Spec.Training;
        var phases = new JsonObject();
        if (r.BaseTest is { } b)
        {
            phases["base"] = new JsonObject { ["epochs"] = r.BaseEpochs, ["seconds"] = Round(r.BaseSeconds), ["test_accuracy"] = b.Accuracy, ["test_loss"] = b.Loss };
        }

        if (r.TwaTest is { } w)
        {
            phases["twa"] = new JsonObject { ["epochs"] = t.Twa!.Epochs, ["seconds"] = Round(r.TwaSeconds), ["test_accuracy"] = w.Accuracy, ["test_loss"] = w.Loss };
        }

        var baselines = new JsonObject();
        if (r.Swa is { } swa)
        {
            baselines["swa"] = new JsonObject { ["test_accuracy"] = swa.Accuracy, ["test_loss"] = swa.Loss };
        }

        if (r.Ema is { } ema)
        {
            baselines["ema"] = new JsonObject { ["test_accuracy"] = ema.Accuracy, ["test_loss"] = ema.Loss };
        }

        var root = new JsonObject
        {
            ["job"] = r.JobName,
            ["seed"] = r.Seed,
            ["device"] = r.Device,
            ["workers"] = r.Workers,
            ["model"] = new JsonObject { ["arch"] = t.Model.Arch, ["parameters"] = r.Parameters },
            ["final"] = new JsonObject { ["test_accuracy"] = r.Final.Accuracy, ["test_loss"] = r.Final.Loss },
            ["phases"] = phases,
            ["baselines"] = baselines,
        };
        if (r.Twa is { } fit)
        {
            root["twa"] = new JsonObject
            {
                ["variant"] = t.Twa!.Variant.ToString().ToLowerInvariant(),
                ["snapshots"] = new JsonArray(t.Twa.Snapshots.Indices().Select(i => (JsonNode)i).ToArray()),
                ["basis_size"] = fit.BasisSize,
                ["dropped_snapshots"] = new JsonArray(fit.DroppedSnapshots.Select(i => (JsonNode)i).ToArray()),
                ["projection_bits"] = t.Twa.ProjectionBits,
                ["basis_bytes"] = r.BasisBytesTotal ?? fit.BasisBytes,
                ["fit_on"] = t.Twa.FitOn.ToString().ToLowerInvariant(),
                ["coefficients"] = new JsonArray(fit.Coordinates.Select(v => (JsonNode)v).ToArray()),
            };
            var twa = root["twa"]!.AsObject();
            if (fit.OrthogonalityError is double orthogonality)
            {
                twa["orthogonality_error"] = orthogonality;
                twa["start_residual"] = fit.StartResidual;
                twa["averaging_coefficients"] = new JsonArray(fit.AveragingCoefficients!.Select(v => (JsonNode)v).ToArray());
            }

            if (fit.Blocks is int blocks)
            {
                twa["blocks"] = blocks;
            }
        }

        return root;
    }

    private static double Round(double v) => Math.Round(v, 3);

    private static string HistoryCsv(RunResult r)
    {
        var sb = new StringBuilder("phase,epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n");
        foreach (var e in r.History)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{e.Phase},{e.Epoch},{e.LearningRate:G6},{e.TrainLoss:G6},{e.TrainAccuracy:G6},{e.TestLoss:G6},{e.TestAccuracy:G6},{e.Seconds:F3}"));
        }

        return sb.ToString();
    }
}
