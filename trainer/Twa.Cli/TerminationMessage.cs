using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Twa.Cli;

/// <summary>
/// The worker pod's termination message (OPERATOR.md 4.4): one JSON object, at most 4096 bytes, written to the
/// container's termination-message path: <c>{"result": "completed"|"removed"|"suspended"|"error", "message": …,
/// "testAccuracy": …, "generation": …, "rank": …}</c>. A completion names the generation it completed in and the
/// worker's rank in that generation, so the operator can tell rank 0's completion even after a later generation gave
/// rank 0 to another pod. A message that would not fit is shortened, never the JSON broken. A path that cannot be
/// written (not in a pod) costs one line on stderr, not the exit code. Thread-safe (no state).
/// </summary>
internal static class TerminationMessage
{
    public const int MaxBytes = 4096;

    /// <summary>The message of a worker that ended with <paramref name="outcome"/>: its kind and generation; for a
    /// completion also its rank in that generation, and rank 0 adds the test accuracy.</summary>
    public static string For(WorkerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var completed = outcome.Kind == WorkerOutcome.Completed;
        double? accuracy = completed && outcome.Rank == 0 ? outcome.Result?.Final.Accuracy : null;
        return Format(outcome.Kind, null, accuracy, outcome.Generation, completed && outcome.Rank >= 0 ? outcome.Rank : null);
    }

    /// <summary>The JSON text for <paramref name="result"/>; fits in <see cref="MaxBytes"/>.</summary>
    public static string Format(string result, string? message = null, double? testAccuracy = null, long? generation = null, int? rank = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(result);
        var text = message;
        while (true)
        {
            var o = new JsonObject { ["result"] = result };
            if (text is not null)
            {
                o["message"] = text;
            }

            if (testAccuracy is { } a)
            {
                o["testAccuracy"] = a;
            }

            if (generation is { } g)
            {
                o["generation"] = g;
            }

            if (rank is { } r)
            {
                o["rank"] = r;
            }

            var json = o.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
            if (Encoding.UTF8.GetByteCount(json) <= MaxBytes || text is null)
            {
                return json;
            }

            text = text[..(text.Length / 2)] + "…";
        }
    }

    /// <summary>Writes <paramref name="json"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, string json)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            File.WriteAllText(path, json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"twa: cannot write the termination message to {path} ({e.Message}); it was: {json}");
        }
    }
}
