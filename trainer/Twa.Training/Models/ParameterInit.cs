namespace Twa.Training.Models;

/// <summary>How a parameter is initialised (PyTorch's defaults and the schemes the reference models use).</summary>
public enum InitKind
{
    /// <summary>U(-1/sqrt(fanIn), 1/sqrt(fanIn)): torch's default for Conv/Linear weights and biases.</summary>
    TorchDefault,

    /// <summary>N(0, 2/fanIn): kaiming_normal_ (fan_in, ReLU gain), as the CIFAR ResNets.</summary>
    KaimingNormal,

    /// <summary>N(0, 0.02²) truncated at ±2 std (ViT weights and embeddings).</summary>
    TruncatedNormal,
    Zeros,
    Ones,
}

/// <summary>An initialisation rule for one parameter.</summary>
public sealed record ParameterInit(InitKind Kind, long FanIn = 1);
