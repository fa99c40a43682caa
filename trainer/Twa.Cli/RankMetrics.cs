using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Twa.Metrics;
using Twa.Torch;
using Twa.Torch.Distributed;
using Twa.Training.Phases;

namespace Twa.Cli;

/// <summary>
/// The <see cref="TrainerMetrics"/> of one rank process, fed by the run (<see cref="IRunObserver"/>), by the worker
/// loop (membership, restarts) and by the collectives layer's counters (<see cref="CollectiveStats"/>, shared by the
/// successive process groups). Collective counters are folded in after every step and at every scrape: bytes are
/// exact; the layer keeps totals only, so each new call is observed in <c>twa_collective_seconds</c> with the mean
/// duration of the calls since the last fold (sum and count exact, buckets approximate). Also answers the probes:
/// healthy while the worker loop made progress in the last 10 minutes; ready once this rank stepped in its current
/// generation. twa_device_memory_bytes is read at every scrape (<see cref="LibTorch.MemoryOf"/>). Thread-safe (the metrics server reads while training writes).
/// </summary>
internal sealed partial class RankMetrics : IRunObserver
{
    private static readonly TimeSpan s_liveness = TimeSpan.FromMinutes(10);
    private readonly Lock _foldLock = new();
    private readonly Dictionary<CollectiveOp, CollectiveCounters> _folded = [];
    private CollectiveStats? _collectives;
    private long _heartbeat = Stopwatch.GetTimestamp();
    private volatile bool _stepping;
    private Device _device = Device.Cpu;

    public RankMetrics()
    {
        var version = typeof(RankMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        var cuda = CudaLine().Match(LibTorch.BuildConfig);
        Metrics.SetBuildInfo(plus > 0 ? version[..plus] : version, LibTorch.Version, cuda.Success ? cuda.Groups[1].Value : "none");
    }

    public TrainerMetrics Metrics { get; } = new();

    /// <summary>True while the worker loop made progress (a step, a generation joined) in the last 10 minutes.</summary>
    public bool Healthy => Stopwatch.GetElapsedTime(Interlocked.Read(ref _heartbeat)) < s_liveness;

    /// <summary>True once this rank took a step in its current generation.</summary>
    public bool Ready => _stepping;

    /// <summary>Folds in the counters of <paramref name="stats"/> from now on.</summary>
    public void UseCollectives(CollectiveStats stats)
    {
        lock (_foldLock)
        {
            _collectives = stats;
            _folded.Clear();
            foreach (var (op, counters) in stats.Snapshot())
            {
                _folded[op] = counters;
            }
        }
    }

    /// <summary>This rank joined <paramref name="generation"/> as <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    public void Joined(long generation, int worldSize, int rank)
    {
        _stepping = false;
        Metrics.SetMembership(generation, worldSize, rank);
        Beat();
    }

    /// <summary>The generation ended before the job (newer generation or lost peer): the rank rebuilds its group.</summary>
    public void Restarting()
    {
        _stepping = false;
        Metrics.Restarts.Inc();
        Beat();
    }

    /// <summary>The text exposition (format 0.0.4), with the latest collective counters folded in and the memory of
    /// this rank's device read now.</summary>
    public string Export()
    {
        FoldCollectives();
        var memory = LibTorch.MemoryOf(_device);
        Metrics.SetDeviceMemory(memory.Allocated, memory.Reserved, memory.Total);
        return Metrics.Registry.Export();
    }

    public void StepDone(string phase, double seconds, int samples, double loss)
    {
        Metrics.StepSeconds.Observe(seconds);
        Metrics.Samples.Inc(samples);
        if (double.IsFinite(loss))
        {
            Metrics.Loss.Set(loss);
        }

        _stepping = true;
        Beat();
        FoldCollectives();
    }

    public void ProjectionDone(double seconds) => Metrics.ProjectionSeconds.Observe(seconds);

    public void Evaluated(string split, double accuracy) => Metrics.Accuracy.WithLabels(split).Set(accuracy);

    public void BasisBuilt(long shardBytes)
    {
        Metrics.BasisShardBytes.Set(shardBytes);
        Beat();
    }

    public void StateCommitted(string slot) => Metrics.LastCommitTimestamp.SetToCurrentTime();

    /// <summary>twa_device_memory_bytes reports this device from now on (the host's memory until a run picks one).</summary>
    public void DeviceSelected(Device device) => _device = device;

    /// <summary>The worker loop is alive (called while it waits for a generation or for the other members).</summary>
    public void Heartbeat() => Beat();

    private void Beat() => Interlocked.Exchange(ref _heartbeat, Stopwatch.GetTimestamp());

    private void FoldCollectives()
    {
        lock (_foldLock)
        {
            if (_collectives is not { } stats)
            {
                return;
            }

            foreach (var (op, now) in stats.Snapshot())
            {
                var before = _folded.GetValueOrDefault(op);
                var calls = now.Calls - before.Calls;
                if (calls <= 0)
                {
                    continue;
                }

                var label = OpLabel(op);
                Metrics.CollectiveBytes.WithLabels(label).Inc(now.BytesSent - before.BytesSent);
                var mean = (now.Seconds - before.Seconds) / calls;
                var histogram = Metrics.CollectiveSeconds.WithLabels(label);
                for (var i = 0; i < calls; i++)
                {
                    histogram.Observe(mean);
                }

                _folded[op] = now;
            }
        }
    }

    /// <summary>"all_reduce", "reduce_scatter", "all_gather", "broadcast", "barrier".</summary>
    public static string OpLabel(CollectiveOp op) => op switch
    {
        CollectiveOp.AllReduce => "all_reduce",
        CollectiveOp.ReduceScatter => "reduce_scatter",
        CollectiveOp.AllGather => "all_gather",
        CollectiveOp.Broadcast => "broadcast",
        CollectiveOp.Barrier => "barrier",
        _ => op.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex(@"CUDA Runtime ([0-9.]+)")]
    private static partial Regex CudaLine();
}
