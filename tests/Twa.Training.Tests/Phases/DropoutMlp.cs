using Twa.Torch;
using Twa.Training.Models;

namespace Twa.Training.Tests.Phases;

/// <summary>A tiny test network with dropout: fc1 (784-32) → [BN →] ReLU → dropout → fc2 (32-10), or with
/// <c>dropoutBeforeBatchNorm</c> fc1 → dropout → BN → ReLU → fc2 (so the masks reach the BN statistics). With BN it
/// has everything a committed state must carry beside the weights (running statistics and a dropout stream); without
/// it data-parallel ranks compute exactly the one-rank gradient (no per-rank batch statistics).</summary>
public sealed class DropoutMlp : Model
{
    private readonly bool _batchNorm;
    private readonly bool _dropoutFirst;
    private readonly double _p;

    public DropoutMlp(long[] inputShape, int numClasses, bool batchNorm, double p = 0.3, bool dropoutBeforeBatchNorm = false)
        : base(batchNorm ? "bn-dropout-mlp" : "dropout-mlp", Layout(inputShape, numClasses, batchNorm), inputShape, numClasses, DType.Float32, Device.Cpu)
    {
        (_batchNorm, _p, _dropoutFirst) = (batchNorm, p, batchNorm && dropoutBeforeBatchNorm);
    }

    /// <summary>A [1, 28, 28] → 10 network initialised from <paramref name="initSeed"/>, its dropout generator seeded
    /// with <paramref name="dropoutSeed"/>.</summary>
    public static DropoutMlp Create(bool batchNorm, ulong initSeed, ulong dropoutSeed, double p = 0.3, bool dropoutBeforeBatchNorm = false)
    {
        var model = new DropoutMlp([1, 28, 28], 10, batchNorm, p, dropoutBeforeBatchNorm);
        using (var init = new Generator(initSeed))
        {
            model.Initialize(init);
        }

        model.DropoutGenerator = new Generator(dropoutSeed);
        return model;
    }

    private static ModelLayout Layout(long[] inputShape, int numClasses, bool batchNorm)
    {
        var layout = new ModelLayout();
        layout.Linear("fc1", inputShape.Aggregate(1L, (a, b) => a * b), 32);
        if (batchNorm)
        {
            layout.BatchNorm("bn1", 32);
        }

        layout.Linear("fc2", 32, numClasses);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var x = Linear(input.Flatten(1), "fc1");
        if (_dropoutFirst)
        {
            return Linear(BatchNorm(Dropout(x, _p), "bn1").Relu(), "fc2");
        }

        return Linear(Dropout((_batchNorm ? BatchNorm(x, "bn1") : x).Relu(), _p), "fc2");
    }
}
