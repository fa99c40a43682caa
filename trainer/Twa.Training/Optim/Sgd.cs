using Twa.Torch;

namespace Twa.Training.Optim;

/// <summary>SGD as torch.optim.SGD (dampening 0): d = g + wd·w; with momentum b = μ·b + d (b = d on the first
/// step) and d = b, or d = d + μ·b with Nesterov; w -= lr·d.</summary>
public sealed class Sgd(double momentum = 0, double weightDecay = 0, bool nesterov = false) : IOptimizer
{
    private Tensor? _buffer;

    public long StepCount { get; private set; }

    public IReadOnlyDictionary<string, Tensor> State =>
        _buffer is null ? new Dictionary<string, Tensor>() : new Dictionary<string, Tensor> { ["momentum_buffer"] = _buffer };

    public void Update(Tensor parameters, Tensor gradient, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradient);
        using var noGrad = Autograd.NoGrad();
        _buffer = OptimizerState.OnDeviceOf(_buffer, parameters);
        using var scope = new TensorScope();
        var d = weightDecay != 0 ? gradient.Add(parameters, weightDecay) : gradient;
        if (momentum != 0)
        {
            if (_buffer is null)
            {
                _buffer = scope.Detach(d.Clone());
            }
            else
            {
                _buffer.MulInPlace(momentum).AddInPlace(d);
            }

            d = nesterov ? d.Add(_buffer, momentum) : _buffer;
        }

        parameters.SubInPlace(d, lr);
        StepCount++;
    }

    /// <summary>Restores a committed state (read from a store, so possibly on the host); it moves to the parameters'
    /// device at the next <see cref="Update"/>.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        _buffer?.Dispose();
        _buffer = state.TryGetValue("momentum_buffer", out var b) ? b.Clone() : null;
        StepCount = stepCount;
    }

    public void Dispose() => _buffer?.Dispose();
}
