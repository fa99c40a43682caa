using Twa.Torch;
using Twa.Training.Models;

namespace Twa.Training.Tests.Phases;

/// <summary>A tiny test network with dropout and no batch statistics, so data-parallel ranks compute exactly the
/// one-rank gradient: fc1 (784-32) → ReLU → dropout 0.5 → fc2 (32-10).</summary>
public sealed class DropoutMlp : Model
{
    public DropoutMlp(long[] inputShape, int numClasses) : base("dropout-mlp", Layout(inputShape, numClasses), inputShape, numClasses, DType.Float32, Device.Cpu)
    {
    }

    private static ModelLayout Layout(long[] inputShape, int numClasses)
    {
        var layout = new ModelLayout();
        layout.Linear("fc1", inputShape.Aggregate(1L, (a, b) => a * b), 32);
        layout.Linear("fc2", 32, numClasses);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Linear(Dropout(Linear(input.Flatten(1), "fc1").Relu(), 0.5), "fc2");
    }
}
