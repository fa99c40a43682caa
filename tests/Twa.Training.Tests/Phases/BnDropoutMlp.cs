using Twa.Torch;
using Twa.Training.Models;

namespace Twa.Training.Tests.Phases;

/// <summary>A tiny test network with everything a committed state must carry beside the weights: BN running
/// statistics (buffers) and dropout (a generator stream). fc1 (784-32) → BN → ReLU → dropout 0.3 → fc2 (32-10).</summary>
public sealed class BnDropoutMlp : Model
{
    public BnDropoutMlp(long[] inputShape, int numClasses) : base("bn-dropout-mlp", Layout(inputShape, numClasses), inputShape, numClasses, DType.Float32, Device.Cpu)
    {
    }

    private static ModelLayout Layout(long[] inputShape, int numClasses)
    {
        var layout = new ModelLayout();
        layout.Linear("fc1", inputShape.Aggregate(1L, (a, b) => a * b), 32);
        layout.BatchNorm("bn1", 32);
        layout.Linear("fc2", 32, numClasses);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var x = BatchNorm(Linear(input.Flatten(1), "fc1"), "bn1").Relu();
        return Linear(Dropout(x, 0.3), "fc2");
    }
}
