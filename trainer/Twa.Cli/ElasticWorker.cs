using System.Globalization;
using Twa.Jobs;
using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Distributed;
using Twa.Training.Runs;

namespace Twa.Cli;

/// <summary>
/// The worker protocol of OPERATOR.md section 4.3 over a membership authority (<see cref="IWorkerMembership"/>: the
/// local launcher's record or the operator's record in Redis): wait for a generation that lists this ordinal; rendezvous
/// with its members; its rank 0 hosts the generation's c10d store; join the Gloo group; run the job, which restores
/// the last committed state (base training per epoch, TWA every <c>checkpointEverySteps</c>) and checks for a newer
/// generation after every step. On a newer generation, or a lost peer (collective error/timeout), abandon the step in
/// flight, abort the group and wait for the next generation. A worker left out of a generation it belonged to is
/// <see cref="WorkerOutcome.Removed"/> (or <see cref="WorkerOutcome.Suspended"/> when the generation has no members).
/// Rank 0 logs, writes the outputs, reports each step and the time from each generation's publication to its first step.
/// </summary>
/// <remarks>The generation's store (and so the wait for all members to join) is bounded by
/// <paramref name="rendezvousTimeout"/>, shorter than the collective <paramref name="timeout"/>: a member lost while a
/// generation forms then costs that long before the others move on to the next generation.</remarks>
internal sealed class ElasticWorker(V1Alpha1TwaJob job, RunOptions baseOptions, int ordinal, IWorkerMembership membership, TimeSpan timeout,
    TimeSpan rendezvousTimeout)
{
    private readonly ProgressLine _progress = new();
    private readonly CollectiveStats _stats = new();

    /// <summary>This rank's metrics (served by <see cref="MetricsServer"/>); null = none.</summary>
    public RankMetrics? Metrics { get; init; }

    /// <summary>Commit state with the membership generation's number, so the store refuses a commit from an older
    /// generation (set for a fresh per-run Redis prefix; a reused local OUT/state may hold a previous run's numbers).</summary>
    public bool GenerationFencing { get; init; }

    /// <summary>Where the worker's lines go (default stderr).</summary>
    public Action<string> Log { get; init; } = line => Console.Error.WriteLine(line);

    public WorkerOutcome Run()
    {
        Metrics?.UseCollectives(_stats);
        var generation = 0;
        var wasMember = false;
        while (true)
        {
            var g = membership.WaitNewer(generation);
            generation = g.Number;
            var rank = g.RankOf(ordinal);
            if (rank < 0)
            {
                if (wasMember)
                {
                    var suspended = g.WorldSize == 0;
                    Log($"twa: worker {ordinal}: {(suspended ? "suspended" : "removed")} in generation {g.Number}");
                    return new WorkerOutcome(suspended ? WorkerOutcome.Suspended : WorkerOutcome.Removed, g.Number, null, -1);
                }

                continue;
            }

            wasMember = true;
            if (!membership.Join(g, rank))
            {
                Log($"twa: worker {ordinal}: generation {g.Number} did not form (a newer one, or not every member joined within {rendezvousTimeout.TotalSeconds:0} s); waiting for the next");
                continue;
            }

            if (RunGeneration(g, rank) is { } result)
            {
                return new WorkerOutcome(WorkerOutcome.Completed, g.Number, result, rank);
            }
        }
    }

    /// <summary>The run's result when the job finished; null when the generation ended (newer generation or lost peer).</summary>
    private RunResult? RunGeneration(MembershipGeneration g, int rank)
    {
        TcpStore? hosted = null;
        ProcessGroup? group = null;
        var log = rank == 0 ? _progress.Log : (Action<string>?)null;
        try
        {
            hosted = membership.OpenStore(g, rank, out var storeHost, out var storePort);
            using (var client = new TcpStore(storeHost, storePort, isServer: false, g.WorldSize, rendezvousTimeout))
            {
                group = ProcessGroup.Create(client, rank, g.WorldSize, Backend.Gloo, timeout, membership.BindAddress, _stats);
            }

            Metrics?.Joined(g.Number, g.WorldSize, rank);
            var first = true;
            var options = baseOptions with { Log = log, Observer = Metrics };
            var result = JobRunner.Run(job, options with
            {
                Progress = rank == 0 ? _progress.Report : null,
                Ranks = RankGroup.Of(group),
                CommitTwaState = true,
                Generation = GenerationFencing ? g.Number : 0,
                AfterStep = (phase, step) =>
                {
                    if (rank == 0)
                    {
                        membership.Stepped(g, phase, step, first);
                        if (first)
                        {
                            var seconds = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - g.PublishedUnixMs) / 1000.0;
                            log!(string.Create(CultureInfo.InvariantCulture,
                                $"twa: generation {g.Number}: {g.WorldSize} worker(s), first step ({phase} step {step}) {seconds:F2} s after it was published"));
                        }
                    }

                    first = false;
                    var latest = membership.Latest;
                    if (latest > g.Number)
                    {
                        throw new GenerationChangedException(g.Number, latest);
                    }
                },
            });
            if (rank == 0)
            {
                membership.Completed(g, baseOptions.OutputDirectory);
            }

            if (membership.ExitBarrier)
            {
                ExitBarrier(group, g);
            }

            return result;
        }
        catch (GenerationChangedException e)
        {
            log?.Invoke($"twa: {e.Message}; abandoning the step in flight and rejoining");
            Metrics?.Restarting();
            return null;
        }
        catch (Twa.Training.Stores.StaleGenerationException e)
        {
            log?.Invoke($"twa: generation {g.Number}: {e.Message}; rejoining");
            Metrics?.Restarting();
            return null;
        }
        catch (DistributedException e)
        {
            Log($"twa: worker {ordinal}: generation {g.Number}: a peer was lost or the group did not form ({e.Message.ReplaceLineEndings(" ").Trim()}); waiting for the next generation");
            Metrics?.Restarting();
            return null;
        }
        finally
        {
            group?.Abort();
            hosted?.Dispose();
        }
    }

    /// <summary>Every member waits here until rank 0 stored the result. A peer lost at this point does not undo the
    /// finished job: the line is logged and the worker completes.</summary>
    private void ExitBarrier(ProcessGroup group, MembershipGeneration g)
    {
        try
        {
            group.Barrier();
        }
        catch (DistributedException e)
        {
            Log($"twa: worker {ordinal}: generation {g.Number}: exit barrier failed after the job finished ({e.Message.ReplaceLineEndings(" ").Trim()}); exiting anyway");
        }
    }
}
