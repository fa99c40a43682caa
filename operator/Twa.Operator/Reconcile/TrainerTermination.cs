using System.Text.Json;

namespace Twa.Operator.Reconcile;

/// <summary>The trainer's termination message (OPERATOR.md 4.4), JSON of at most 4096 bytes:
/// <c>{"result": "completed"|"removed"|"suspended"|"error", "message": "...", "testAccuracy": 0.91, "generation": 7, "rank": 0}</c>.
/// Only <c>result</c> is required; <c>rank</c> is the worker's rank in <c>generation</c> (a completion; older workers
/// do not write it). Immutable.</summary>
public sealed record TrainerTermination(string Result, string? Message, double? TestAccuracy, long? Generation, int? Rank = null)
{
    public const string Completed = "completed";
    public const string Removed = "removed";
    public const string Suspended = "suspended";
    public const string Error = "error";

    /// <summary>Parses a termination message: null when it is empty; text that is not such JSON (e.g. the log tail
    /// written by FallbackToLogsOnError) becomes result <see cref="Error"/> with its last line as the message.</summary>
    public static TrainerTermination? Parse(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(message);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("result", out var r) || r.ValueKind != JsonValueKind.String)
            {
                return new(Error, Tail(message), null, null);
            }

            string? text = null;
            foreach (var key in new[] { "message", "reason", "error" })
            {
                if (root.TryGetProperty(key, out var m) && m.ValueKind == JsonValueKind.String)
                {
                    text = m.GetString();
                    break;
                }
            }

            double? accuracy = root.TryGetProperty("testAccuracy", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDouble() : null;
            long? generation = root.TryGetProperty("generation", out var g) && g.ValueKind == JsonValueKind.Number && g.TryGetInt64(out var gv) ? gv : null;
            int? rank = root.TryGetProperty("rank", out var k) && k.ValueKind == JsonValueKind.Number && k.TryGetInt32(out var kv) ? kv : null;
            return new(r.GetString()!, text, accuracy, generation, rank);
        }
        catch (JsonException)
        {
            return new(Error, Tail(message), null, null);
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Trim().Split('\n');
        var last = lines[^1].Trim();
        return last.Length > 200 ? last[^200..] : last;
    }
}
