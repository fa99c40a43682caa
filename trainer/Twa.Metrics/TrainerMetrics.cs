namespace Twa.Metrics;

/// <summary>
/// The per-rank trainer metrics of DESIGN.md section 5 and OPERATOR.md section 6.2, registered with exactly those
/// names, units and types; the trainer only updates values and serves <see cref="Registry"/> on /metrics. The
/// rank is a value (<see cref="Rank"/>), not a label, because it changes every generation; namespace, pod,
/// twajob and ordinal come from Prometheus' target relabeling. Thread-safe.
/// </summary>
public sealed class TrainerMetrics
{
    /// <summary>Buckets for the *_seconds histograms: 0.5 ms doubling up to ~16 s.</summary>
    public static IReadOnlyList<double> SecondsBuckets { get; } = Histogram.ExponentialBuckets(0.0005, 2, 16);

    /// <param name="registry">Where to register (a new registry when null).</param>
    public TrainerMetrics(MetricsRegistry? registry = null)
    {
        Registry = registry ?? new MetricsRegistry();
        var r = Registry;
        BasisShardBytes = r.CreateGauge("twa_basis_shard_bytes", "Bytes of the TWA basis held by this rank (its column shard).");
        DeviceMemoryBytes = r.CreateGauge("twa_device_memory_bytes", "Device memory of this rank in bytes, by kind (allocated, reserved, total).", "kind");
        ProjectionSeconds = r.CreateHistogram("twa_projection_seconds", "Time of the local basis projection per TWA step, in seconds.", SecondsBuckets);
        CollectiveSeconds = r.CreateHistogram("twa_collective_seconds", "Time spent in collectives, by operation, in seconds.", SecondsBuckets, "op");
        CollectiveBytes = r.CreateCounter("twa_collective_bytes_total", "Bytes sent by this rank in collectives, by operation.", "op");
        StepSeconds = r.CreateHistogram("twa_step_seconds", "Time of one training step (base or TWA), in seconds.", SecondsBuckets);
        Samples = r.CreateCounter("twa_samples_total", "Training samples processed by this rank.");
        Loss = r.CreateGauge("twa_loss", "Training loss of the last step.");
        Accuracy = r.CreateGauge("twa_accuracy", "Accuracy (0-1) of the last evaluation, by split (train, holdout, test).", "split");
        Generation = r.CreateGauge("twa_generation", "Membership generation this rank trains in.");
        WorldSize = r.CreateGauge("twa_world_size", "Number of ranks in the current generation.");
        Rank = r.CreateGauge("twa_rank", "This process's rank in the current generation.");
        Restarts = r.CreateCounter("twa_restarts_total", "Times this rank rebuilt its process group (new generation or lost peer).");
        LastCommitTimestamp = r.CreateGauge("twa_last_commit_timestamp_seconds", "Unix time of the last committed training state, in seconds.");
        BuildInfo = r.CreateGauge("twa_build_info", "Build information; the value is always 1.", "version", "torch", "cuda");
    }

    public MetricsRegistry Registry { get; }

    public Gauge BasisShardBytes { get; }

    public Gauge DeviceMemoryBytes { get; }

    public Histogram ProjectionSeconds { get; }

    public Histogram CollectiveSeconds { get; }

    public Counter CollectiveBytes { get; }

    public Histogram StepSeconds { get; }

    public Counter Samples { get; }

    public Gauge Loss { get; }

    public Gauge Accuracy { get; }

    public Gauge Generation { get; }

    public Gauge WorldSize { get; }

    public Gauge Rank { get; }

    public Counter Restarts { get; }

    public Gauge LastCommitTimestamp { get; }

    public Gauge BuildInfo { get; }

    /// <summary>Records one collective: its duration and the bytes this rank sent.</summary>
    public void ObserveCollective(string op, double seconds, long bytesSent)
    {
        CollectiveSeconds.WithLabels(op).Observe(seconds);
        CollectiveBytes.WithLabels(op).Inc(bytesSent);
    }

    /// <summary>Records the generation joined and this rank's place in it.</summary>
    public void SetMembership(long generation, int worldSize, int rank)
    {
        Generation.Set(generation);
        WorldSize.Set(worldSize);
        Rank.Set(rank);
    }

    /// <summary>Sets device memory by kind ("allocated", "reserved", "total"), in bytes.</summary>
    public void SetDeviceMemory(long allocated, long reserved, long total)
    {
        DeviceMemoryBytes.WithLabels("allocated").Set(allocated);
        DeviceMemoryBytes.WithLabels("reserved").Set(reserved);
        DeviceMemoryBytes.WithLabels("total").Set(total);
    }

    /// <summary>Publishes twa_build_info{version,torch,cuda} 1 (cuda "none" on CPU builds).</summary>
    public void SetBuildInfo(string version, string torch, string cuda) => BuildInfo.WithLabels(version, torch, cuda).Set(1);
}
