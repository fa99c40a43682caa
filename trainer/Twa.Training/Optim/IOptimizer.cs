using Twa.Torch;

namespace Twa.Training.Optim;

/// <summary>An optimizer over ONE flat parameter vector (model weights or TWA coefficients): plain tensor math,
/// no autograd. Its state (moments, step count) can be read and restored for committed state. Not thread-safe.</summary>
public interface IOptimizer : IDisposable
{
    /// <summary>Number of steps taken so far.</summary>
    long StepCount { get; }

    /// <summary>One update of <paramref name="parameters"/> in place from <paramref name="gradient"/> (same shape)
    /// at learning rate <paramref name="lr"/>. Runs without recording gradients.</summary>
    void Update(Tensor parameters, Tensor gradient, double lr);

    /// <summary>The state tensors by name (owned by the optimizer; copy them to persist).</summary>
    IReadOnlyDictionary<string, Tensor> State { get; }

    /// <summary>Restores state saved from <see cref="State"/> and <see cref="StepCount"/>.</summary>
    void Restore(IReadOnlyDictionary<string, Tensor> state, long stepCount);
}
