using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;
using Twa.Training.Runs;

namespace Twa.Cli;

/// <summary>
/// The worker protocol of OPERATOR.md section 4.3 against the launcher's membership record (<see cref="LocalMembership"/>):
/// wait for a generation that lists this ordinal; its rank 0 hosts the generation's c10d store on a fresh port; join
/// the Gloo group; run the job, which restores the last committed state (base training per epoch, TWA every
/// <c>checkpointEverySteps</c>) and checks for a newer generation after every step. On a newer generation, or a lost
/// peer (collective error/timeout), abandon the step in flight, abort the group and rejoin in the next generation. A
/// worker left out of a generation it belonged to exits 0 ("removed"). Rank 0 logs, writes the outputs, reports the
/// step of each phase (the clock of <c>--scale-at</c>) and the time from each generation's publication to its first step.
/// </summary>
/// <remarks>The generation's store (and so the wait for all members to join) is bounded by
/// <paramref name="rendezvousTimeout"/>, shorter than the collective <paramref name="timeout"/>: a member lost while a
/// generation forms then costs that long before the others move on to the next generation.</remarks>
internal sealed class ElasticWorker(V1Alpha1TwaJob job, RunOptions baseOptions, int ordinal, string host, int port, TimeSpan timeout,
    TimeSpan rendezvousTimeout)
{
    private readonly ProgressLine _progress = new();
    private readonly CollectiveStats _stats = new();

    /// <summary>This rank's metrics (served by <see cref="MetricsServer"/>); null = none.</summary>
    public RankMetrics? Metrics { get; init; }

    /// <summary>Commit state with the membership generation's number, so the store refuses a commit from an older
    /// generation (set for a fresh per-run Redis prefix; a reused local OUT/state may hold a previous run's numbers).</summary>
    public bool GenerationFencing { get; init; }

    public int Run()
    {
        Metrics?.UseCollectives(_stats);
        using var control = new TcpStore(host, port, isServer: false, -1, timeout);
        var generation = 0;
        var wasMember = false;
        while (true)
        {
            var g = LocalMembership.WaitNewer(control, generation, timeout);
            generation = g.Number;
            var rank = g.RankOf(ordinal);
            if (rank < 0)
            {
                if (wasMember)
                {
                    Console.Error.WriteLine($"twa: worker {ordinal}: removed in generation {g.Number}");
                    return 0;
                }

                continue;
            }

            wasMember = true;
            if (RunGeneration(control, g, rank))
            {
                return 0;
            }
        }
    }

    /// <summary>True when the job finished; false when the generation ended (newer generation or lost peer).</summary>
    private bool RunGeneration(TcpStore control, MembershipGeneration g, int rank)
    {
        TcpStore? hosted = null;
        ProcessGroup? group = null;
        var log = rank == 0 ? _progress.Log : (Action<string>?)null;
        try
        {
            if (rank == 0)
            {
                hosted = new TcpStore(host, 0, isServer: true, g.WorldSize, rendezvousTimeout);
                LocalMembership.SetStorePort(control, g.Number, hosted.Port);
            }

            var storePort = hosted?.Port ?? LocalMembership.StorePort(control, g.Number);
            using (var client = new TcpStore(host, storePort, isServer: false, g.WorldSize, rendezvousTimeout))
            {
                group = ProcessGroup.Create(client, rank, g.WorldSize, Backend.Gloo, timeout, host, _stats);
            }

            Metrics?.Joined(g.Number, g.WorldSize, rank);
            var first = true;
            var options = baseOptions with { Log = log, Observer = Metrics };
            JobRunner.Run(job, options with
            {
                Progress = rank == 0 ? _progress.Report : null,
                Ranks = RankGroup.Of(group),
                CommitTwaState = true,
                Generation = GenerationFencing ? g.Number : 0,
                AfterStep = (phase, step) =>
                {
                    if (rank == 0)
                    {
                        LocalMembership.ReportStep(control, phase, step);

                        if (first)
                        {
                            LocalMembership.MarkStepping(control, g.Number);
                            var seconds = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - g.PublishedUnixMs) / 1000.0;
                            log!(string.Create(CultureInfo.InvariantCulture,
                                $"twa: generation {g.Number}: {g.WorldSize} worker(s), first step ({phase} step {step}) {seconds:F2} s after it was published"));
                        }
                    }

                    first = false;
                    var latest = LocalMembership.Latest(control);
                    if (latest > g.Number)
                    {
                        throw new GenerationChangedException(g.Number, latest);
                    }
                },
            });
            if (rank == 0)
            {
                LocalMembership.MarkCompleted(control);
            }

            return true;
        }
        catch (GenerationChangedException e)
        {
            log?.Invoke($"twa: {e.Message}; abandoning the step in flight and rejoining");
            Metrics?.Restarting();
            return false;
        }
        catch (Twa.Training.Stores.StaleGenerationException e)
        {
            log?.Invoke($"twa: generation {g.Number}: {e.Message}; rejoining");
            Metrics?.Restarting();
            return false;
        }
        catch (DistributedException e)
        {
            log?.Invoke($"twa: generation {g.Number}: a peer was lost ({e.Message.ReplaceLineEndings(" ").Trim()}); waiting for the next generation");
            Metrics?.Restarting();
            return false;
        }
        finally
        {
            group?.Abort();
            hosted?.Dispose();
        }
    }
}
