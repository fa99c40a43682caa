using Twa.Torch;

namespace Twa.Training.Phases;

/// <summary>
/// Receives what one rank does during a run, for its metrics (<c>twa_*</c> of DESIGN.md section 5): every optimizer
/// step, the local projection time of a TWA step, each evaluation, the basis shard built and each committed state.
/// Called on the training thread, synchronously; implementations must be quick and must not throw. Optional
/// (<see cref="PhaseContext.Observer"/>).
/// </summary>
public interface IRunObserver
{
    /// <summary>One step done by this rank: the phase ("base" or "twa"), its wall time in seconds (forward, backward,
    /// collectives, update and commit), the samples of this rank's slice and their mean loss (NaN for an empty slice).</summary>
    void StepDone(string phase, double seconds, int samples, double loss);

    /// <summary>The local projection work of one TWA step (P_r g_r and the reconstruction of this rank's columns,
    /// collectives excluded), in seconds.</summary>
    void ProjectionDone(double seconds);

    /// <summary>An accuracy (0-1) measured on <paramref name="split"/> ("train", "test").</summary>
    void Evaluated(string split, double accuracy);

    /// <summary>The TWA basis shard this rank holds, in bytes (packed entries for quantized bases).</summary>
    void BasisBuilt(long shardBytes);

    /// <summary>State of <paramref name="slot"/> ("base" or "twa") was committed (called on the committing rank).</summary>
    void StateCommitted(string slot);

    /// <summary>The run placed its model and basis on <paramref name="device"/> (called once, before the first step).</summary>
    void DeviceSelected(Device device);
}
