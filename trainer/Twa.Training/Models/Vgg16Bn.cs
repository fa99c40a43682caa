using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Training.Models;

/// <summary>VGG16 with BN for 32×32 inputs, as the SWA/TWA code's VGG16BN: 13 conv3x3-BN-ReLU layers in five
/// max-pooled stages (64, 128, 256, 512, 512), then dropout-linear(512)-ReLU-dropout-linear(512)-ReLU-linear.
/// Parameter names follow nn.Sequential indices (features.0.weight, features.1.weight = BN, ...).</summary>
public sealed class Vgg16Bn : Model
{
    private static readonly int[] Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    public Vgg16Bn(long[] inputShape, int numClasses, DType dtype = DType.Float32, Device? device = null)
        : base("vgg16bn", Layout(inputShape, numClasses), inputShape, numClasses, dtype, device ?? Device.Cpu)
    {
    }

    private static ModelLayout Layout(long[] inputShape, int numClasses)
    {
        if (inputShape[1] < 32 || inputShape[2] < 32)
        {
            throw new ArgumentException($"vgg16bn needs inputs of at least 32x32 (five 2x2 poolings), got {inputShape[1]}x{inputShape[2]}");
        }

        var layout = new ModelLayout();
        var inChannels = inputShape[0];
        var index = 0;
        foreach (var c in Config)
        {
            if (c == 0)
            {
                index++;
                continue;
            }

            layout.Conv($"features.{index}", inChannels, c, 3, bias: true);
            layout.BatchNorm($"features.{index + 1}", c);
            index += 3;
            inChannels = c;
        }

        var spatial = inputShape[1] / 32 * (inputShape[2] / 32);
        layout.Linear("classifier.1", 512 * spatial, 512);
        layout.Linear("classifier.4", 512, 512);
        layout.Linear("classifier.6", 512, numClasses);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        var index = 0;
        foreach (var c in Config)
        {
            if (c == 0)
            {
                x = Functional.MaxPool2d(x, 2);
                index++;
                continue;
            }

            x = BatchNorm(Conv(x, $"features.{index}", padding: 1), $"features.{index + 1}").Relu();
            index += 3;
        }

        x = Linear(Dropout(x.Flatten(1), 0.5), "classifier.1").Relu();
        x = Linear(Dropout(x, 0.5), "classifier.4").Relu();
        return Linear(x, "classifier.6");
    }
}
