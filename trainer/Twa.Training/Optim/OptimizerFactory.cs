using Twa.Jobs;

namespace Twa.Training.Optim;

/// <summary>Builds the optimizer a job section names.</summary>
public static class OptimizerFactory
{
    public static IOptimizer Create(OptimizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Name switch
        {
            OptimizerName.Sgd => new Sgd(spec.Momentum, spec.WeightDecay, spec.Nesterov),
            OptimizerName.AdamW => new AdamW(spec.Betas[0], spec.Betas[1], spec.Eps, spec.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Name, "unknown optimizer"),
        };
    }
}
