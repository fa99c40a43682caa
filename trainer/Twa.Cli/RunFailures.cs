using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>The exit codes of `twa train` and `twa worker`: 0 success, 2 bad job file or arguments (a store of a kind
/// it cannot use, or committed state of another job in --out / the store, included), 4 missing/malformed dataset, or
/// snapshots / committed state missing or failing their integrity check, 5 training diverged (NaN loss), 6 a peer rank was
/// lost or a collective / the wait for a membership generation timed out, 7 the store (Redis) cannot be reached or
/// stayed unavailable past its retry budget, 1 anything else. Every failure is one line on stderr, prefixed with
/// <c>twa: error:</c>.</summary>
internal static class RunFailures
{
    public const int PeerLost = 6;

    public const int StoreUnavailable = 7;

    /// <summary>Runs <paramref name="body"/> and maps its exception to an exit code and one line naming
    /// <paramref name="who"/> (e.g. "rank 2: ") when given.</summary>
    public static int Guard(Func<int> body, string who = "")
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (Exception e) when (Classify(e, who) is { } failure)
        {
            return Fail(failure.Code, failure.Message);
        }
    }

    /// <summary>The exit code and one-line message of a failure, or null for an exception that is a bug (left to
    /// crash with its stack trace).</summary>
    public static (int Code, string Message)? Classify(Exception e, string who = "") => e switch
    {
        JobFileException or FormatException or StoreUnsupportedException or StateMismatchException => (2, who + OneLine(e.Message)),
        StoreUnavailableException => (StoreUnavailable, who + OneLine(e.Message)),
        DatasetException or SnapshotNotFoundException or StoreCorruptException => (4, who + OneLine(e.Message)),
        TrainingDivergedException => (5, who + e.Message),
        DistributedException or TimeoutException => (PeerLost, $"{who}a peer rank was lost or a collective timed out: {OneLine(e.Message)}"),
        TorchException or NotSupportedException or InvalidOperationException or ArgumentException or IOException => (1, who + e.Message),
        _ => null,
    };

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"twa: error: {message}");
        return code;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
