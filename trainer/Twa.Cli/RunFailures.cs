using Twa.Jobs;
using Twa.Torch;
using Twa.Training.Data;
using Twa.Training.Phases;
using Twa.Training.Stores;

namespace Twa.Cli;

/// <summary>The exit codes of `twa train` and `twa worker`: 0 success, 2 bad job file or arguments, 4 missing/malformed
/// dataset or snapshots, 5 training diverged (NaN loss), 6 a peer rank was lost or a collective / the wait for a
/// membership generation timed out, 7 the store (Redis) cannot be reached or stayed unavailable past its retry
/// budget, 1 anything else. Every failure is one line on stderr, prefixed with <c>twa: error:</c>.</summary>
internal static class RunFailures
{
    public const int PeerLost = 6;

    public const int StoreUnavailable = 7;

    /// <summary>Runs <paramref name="body"/> and maps its exception to an exit code and one line naming
    /// <paramref name="who"/> (e.g. "rank 2: ") when given.</summary>
    public static int Guard(Func<int> body, string who = "")
    {
        try
        {
            return body();
        }
        catch (JobFileException e)
        {
            return Fail(2, who + e.Message);
        }
        catch (FormatException e)
        {
            return Fail(2, who + e.Message);
        }
        catch (StoreUnavailableException e)
        {
            return Fail(StoreUnavailable, who + OneLine(e.Message));
        }
        catch (Exception e) when (e is DatasetException or SnapshotNotFoundException)
        {
            return Fail(4, who + e.Message);
        }
        catch (TrainingDivergedException e)
        {
            return Fail(5, who + e.Message);
        }
        catch (Exception e) when (e is DistributedException or TimeoutException)
        {
            return Fail(PeerLost, $"{who}a peer rank was lost or a collective timed out: {OneLine(e.Message)}");
        }
        catch (Exception e) when (e is TorchException or NotSupportedException or InvalidOperationException or ArgumentException or IOException)
        {
            return Fail(1, who + e.Message);
        }
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"twa: error: {message}");
        return code;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
