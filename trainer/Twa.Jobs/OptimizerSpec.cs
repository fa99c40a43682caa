namespace Twa.Jobs;

/// <summary>An optimizer (used by base training and by the TWA coefficients).</summary>
public sealed record OptimizerSpec
{
    public OptimizerName Name { get; init; } = OptimizerName.Sgd;
    public double Lr { get; init; } = 0.1;
    public double Momentum { get; init; }
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }

    /// <summary>AdamW's (beta1, beta2).</summary>
    public double[] Betas { get; init; } = [0.9, 0.999];
    public double Eps { get; init; } = 1e-8;
}
