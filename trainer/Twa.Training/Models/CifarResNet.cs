using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Training.Models;

/// <summary>
/// The CIFAR ResNets of He et al. (depth 6n+2: resnet20/32/56): conv3x3→16, BN, ReLU, three stages of n basic
/// blocks (16, 32, 64 channels, stride 2 between stages) with option-A shortcuts (subsample + zero channels,
/// parameter-free), global average pool, linear. Kaiming-normal conv/linear weights. With
/// <c>preActivation</c> the blocks are pre-activation (BN-ReLU-conv) with a final BN-ReLU (preresnet).
/// resnet20 has 269,722 parameters on 10 classes.
/// </summary>
public sealed class CifarResNet : Model
{
    private readonly int _blocksPerStage;
    private readonly bool _pre;

    public CifarResNet(int depth, long[] inputShape, int numClasses, bool preActivation = false, DType dtype = DType.Float32, Device? device = null)
        : base(preActivation ? $"preresnet{depth}" : $"resnet{depth}", Layout(depth, inputShape, numClasses, preActivation), inputShape, numClasses, dtype, device ?? Device.Cpu)
    {
        _blocksPerStage = (depth - 2) / 6;
        _pre = preActivation;
    }

    private static ModelLayout Layout(int depth, long[] inputShape, int numClasses, bool pre)
    {
        if (depth < 8 || (depth - 2) % 6 != 0)
        {
            throw new ArgumentException($"CIFAR ResNet depth must be 6n+2 (20, 32, 56, ...), got {depth}");
        }

        var n = (depth - 2) / 6;
        var layout = new ModelLayout();
        layout.Conv("conv1", inputShape[0], 16, 3, bias: false, InitKind.KaimingNormal);
        if (!pre)
        {
            layout.BatchNorm("bn1", 16);
        }

        long inPlanes = 16;
        foreach (var (stage, planes) in new[] { (1, 16L), (2, 32L), (3, 64L) })
        {
            for (var i = 0; i < n; i++)
            {
                var name = $"layer{stage}.{i}";
                var stride = stage > 1 && i == 0 ? 2 : 1;
                if (pre)
                {
                    layout.BatchNorm($"{name}.bn1", inPlanes);
                }

                layout.Conv($"{name}.conv1", inPlanes, planes, 3, bias: false, InitKind.KaimingNormal);
                layout.BatchNorm($"{name}.bn{(pre ? 2 : 1)}", planes);
                layout.Conv($"{name}.conv2", planes, planes, 3, bias: false, InitKind.KaimingNormal);
                if (!pre)
                {
                    layout.BatchNorm($"{name}.bn2", planes);
                }

                layout.Block(name, skippable: stride == 1 && inPlanes == planes);
                inPlanes = planes;
            }
        }

        if (pre)
        {
            layout.BatchNorm("bn", 64);
        }

        layout.Linear("linear", 64, numClasses, InitKind.KaimingNormal);
        return layout;
    }

    public override Tensor Forward(Tensor input)
    {
        var x = Conv(input, "conv1", padding: 1);
        if (!_pre)
        {
            x = BatchNorm(x, "bn1").Relu();
        }

        var index = 0;
        foreach (var stage in new[] { 1, 2, 3 })
        {
            for (var i = 0; i < _blocksPerStage; i++, index++)
            {
                var name = $"layer{stage}.{i}";
                var stride = stage > 1 && i == 0 ? 2 : 1;
                x = _pre
                    ? Residual(index, x, h => PreBranch(h, name, stride), stride == 1 ? null : Shortcut)
                    : Residual(index, x, h => PostBranch(h, name, stride), stride == 1 ? null : Shortcut, reluAfter: true);
            }
        }

        if (_pre)
        {
            x = BatchNorm(x, "bn").Relu();
        }

        return Linear(Functional.AdaptiveAvgPool2d(x, 1).Flatten(1), "linear");
    }

    private Tensor PostBranch(Tensor x, string name, long stride)
    {
        var h = BatchNorm(Conv(x, $"{name}.conv1", stride, 1), $"{name}.bn1").Relu();
        return BatchNorm(Conv(h, $"{name}.conv2", 1, 1), $"{name}.bn2");
    }

    private Tensor PreBranch(Tensor x, string name, long stride)
    {
        var h = Conv(BatchNorm(x, $"{name}.bn1").Relu(), $"{name}.conv1", stride, 1);
        return Conv(BatchNorm(h, $"{name}.bn2").Relu(), $"{name}.conv2", 1, 1);
    }

    /// <summary>Option A: keep every other pixel and pad the channels with zeros (planes/4 on each side).</summary>
    private static Tensor Shortcut(Tensor x)
    {
        var sub = Functional.MaxPool2d(x, 1, stride: 2);
        var pad = x.Size(1) / 2;
        return sub.Pad([0, 0, 0, 0, pad, pad]);
    }
}
