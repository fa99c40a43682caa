using Twa.Torch;

namespace Twa.Training.Averaging;

/// <summary>EMA of a flat weight vector: w_ema ← decay·w_ema + (1 − decay)·w after every update, copied from the
/// weights at the first update (as PyTorch's AveragedModel, no decay from the initialisation). Owns its tensor.</summary>
public sealed class ExponentialMovingAverage(double decay) : IDisposable
{
    public double Decay { get; } = decay is >= 0 and <= 1 ? decay : throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1]");

    /// <summary>The average (null before the first update).</summary>
    public Tensor? Average { get; private set; }

    public void Update(Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        using var noGrad = Autograd.NoGrad();
        if (Average is null)
        {
            Average = weights.Clone();
            TensorScope.Current?.Detach(Average);
            return;
        }

        Average = Optim.OptimizerState.OnDeviceOf(Average, weights)!;
        Average.LerpInPlace(weights, 1 - Decay);
    }

    /// <summary>Restores a saved average (possibly on the host: it moves to the weights' device at the next
    /// <see cref="Update"/>).</summary>
    public void Restore(Tensor average)
    {
        ArgumentNullException.ThrowIfNull(average);
        Average?.Dispose();
        Average = average.Clone();
        TensorScope.Current?.Detach(Average);
    }

    public void Dispose() => Average?.Dispose();
}
