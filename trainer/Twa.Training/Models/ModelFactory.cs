using Twa.Torch;
using Twa.Jobs;

namespace Twa.Training.Models;

/// <summary>Builds the architecture a job names (<see cref="ModelSpec.KnownArchitectures"/>).</summary>
public static class ModelFactory
{
    /// <summary>A new, uninitialised model for samples of <paramref name="inputShape"/> [C, H, W].</summary>
    /// <exception cref="ArgumentException">Unknown architecture, or an input size it cannot take.</exception>
    public static Model Create(string arch, long[] inputShape, int numClasses, DType dtype = DType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(arch);
        return arch switch
        {
            "mlp" => new Mlp(inputShape, numClasses, dtype: dtype, device: device),
            "lenet5" => new LeNet5(inputShape, numClasses, dtype, device),
            "resnet20" => new CifarResNet(20, inputShape, numClasses, dtype: dtype, device: device),
            "resnet32" => new CifarResNet(32, inputShape, numClasses, dtype: dtype, device: device),
            "resnet56" => new CifarResNet(56, inputShape, numClasses, dtype: dtype, device: device),
            "preresnet20" => new CifarResNet(20, inputShape, numClasses, preActivation: true, dtype, device),
            "vgg16bn" => new Vgg16Bn(inputShape, numClasses, dtype, device),
            "resnet8" => new CifarResNet(8, inputShape, numClasses, dtype: dtype, device: device),
            "vit" => new VisionTransformer(inputShape, numClasses, patch: inputShape[1] % 4 == 0 ? 4 : 7, dtype: dtype, device: device),
            _ => throw new ArgumentException($"unknown architecture '{arch}'; use one of: {string.Join(", ", ModelSpec.KnownArchitectures)}"),
        };
    }
}
