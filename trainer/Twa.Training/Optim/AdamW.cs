using Twa.Torch;

namespace Twa.Training.Optim;

/// <summary>AdamW as torch.optim.AdamW (decoupled weight decay, bias-corrected moments, no amsgrad):
/// w *= 1 - lr·wd; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; w -= lr·m̂ / (sqrt(v̂) + eps).</summary>
public sealed class AdamW(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01) : IOptimizer
{
    private Tensor? _m;
    private Tensor? _v;

    public long StepCount { get; private set; }

    public IReadOnlyDictionary<string, Tensor> State =>
        _m is null ? new Dictionary<string, Tensor>() : new Dictionary<string, Tensor> { ["exp_avg"] = _m, ["exp_avg_sq"] = _v! };

    public void Update(Tensor parameters, Tensor gradient, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradient);
        using var noGrad = Autograd.NoGrad();
        _m = OptimizerState.OnDeviceOf(_m, parameters);
        _v = OptimizerState.OnDeviceOf(_v, parameters);
        using var scope = new TensorScope();
        _m ??= scope.Detach(Tensors.Zeros(parameters.Shape, parameters.DType, parameters.Device));
        _v ??= scope.Detach(Tensors.Zeros(parameters.Shape, parameters.DType, parameters.Device));
        StepCount++;
        if (weightDecay != 0)
        {
            parameters.MulInPlace(1 - lr * weightDecay);
        }

        _m.MulInPlace(beta1).AddInPlace(gradient, 1 - beta1);
        _v.MulInPlace(beta2).AddcmulInPlace(gradient, gradient, 1 - beta2);
        var c1 = 1 - Math.Pow(beta1, StepCount);
        var c2 = 1 - Math.Pow(beta2, StepCount);
        var denominator = _v.Sqrt().DivInPlace(Math.Sqrt(c2)).AddInPlace(eps);
        parameters.AddcdivInPlace(_m, denominator, -lr / c1);
    }

    /// <summary>Restores a committed state (read from a store, so possibly on the host); it moves to the parameters'
    /// device at the next <see cref="Update"/>.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        Dispose();
        _m = state.TryGetValue("exp_avg", out var m) ? m.Clone() : null;
        _v = state.TryGetValue("exp_avg_sq", out var v) ? v.Clone() : null;
        StepCount = stepCount;
    }

    public void Dispose()
    {
        _m?.Dispose();
        _v?.Dispose();
        _m = null;
        _v = null;
    }
}
