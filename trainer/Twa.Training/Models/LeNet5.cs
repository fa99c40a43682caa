using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Training.Models;

/// <summary>LeNet-5: conv 1→6 k5 pad 2, ReLU, max-pool 2, conv 6→16 k5, ReLU, max-pool 2, fc 400-120-84-classes
/// with ReLU (for 28×28 inputs; the fc input follows the image size). 61,706 parameters on Fashion-MNIST.</summary>
public sealed class LeNet5 : Model
{
    public LeNet5(long[] inputShape, int numClasses, DType dtype = DType.Float32, Device? device = null)
        : base("lenet5", Layout(inputShape, numClasses), inputShape, numClasses, dtype, device ?? Device.Cpu)
    {
    }

    private static ModelLayout Layout(long[] inputShape, int numClasses)
    {
        var (c, h, w) = (inputShape[0], inputShape[1], inputShape[2]);
        var h2 = (h / 2 - 4) / 2;
        var w2 = (w / 2 - 4) / 2;
        if (h2 < 1 || w2 < 1)
        {
            throw new ArgumentException($"lenet5 needs inputs of at least 12x12, got {h}x{w}");
        }

        var layout = new ModelLayout();
        layout.Conv("conv1", c, 6, 5, bias: true);
        layout.Conv("conv2", 6, 16, 5, bias: true);
        layout.Linear("fc1", 16 * h2 * w2, 120);
        layout.Linear("fc2", 120, 84);
        layout.Linear("fc3", 84, numClasses);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        var x = Functional.MaxPool2d(Conv(input, "conv1", padding: 2).Relu(), 2);
        x = Functional.MaxPool2d(Conv(x, "conv2").Relu(), 2);
        x = Linear(x.Flatten(1), "fc1").Relu();
        x = Linear(x, "fc2").Relu();
        return Linear(x, "fc3");
    }
}
