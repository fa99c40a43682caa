using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Training.Models;

/// <summary>Collects a model's parameters (in registration order = the flat-vector order, with PyTorch
/// state_dict names), their initialisation, its buffers, residual blocks and factorisable weights.
/// Used once while a model is constructed. Not thread-safe.</summary>
public sealed class ModelLayout
{
    private readonly List<ParameterSpec> _parameters = [];
    private readonly List<ParameterInit> _inits = [];
    private readonly List<(string Name, long[] Shape, DType DType, double Value)> _buffers = [];
    private readonly List<ResidualBlock> _blocks = [];
    private readonly List<string> _factorizable = [];

    public IReadOnlyList<ParameterSpec> Parameters => _parameters;
    public IReadOnlyList<ParameterInit> Inits => _inits;
    public IReadOnlyList<(string Name, long[] Shape, DType DType, double Value)> Buffers => _buffers;
    public IReadOnlyList<ResidualBlock> Blocks => _blocks;
    public IReadOnlyList<string> Factorizable => _factorizable;

    public void Parameter(string name, long[] shape, ParameterInit init)
    {
        _parameters.Add(new ParameterSpec(name, shape));
        _inits.Add(init);
    }

    /// <summary>Conv2d weight [out, in/groups, k, k] (+ bias [out]).</summary>
    public void Conv(string name, long inChannels, long outChannels, long kernel, bool bias, InitKind weightInit = InitKind.TorchDefault)
    {
        var fanIn = inChannels * kernel * kernel;
        Parameter($"{name}.weight", [outChannels, inChannels, kernel, kernel], new ParameterInit(weightInit, fanIn));
        if (bias)
        {
            Parameter($"{name}.bias", [outChannels], new ParameterInit(InitKind.TorchDefault, fanIn));
        }

        _factorizable.Add($"{name}.weight");
    }

    /// <summary>Linear weight [out, in] + bias [out].</summary>
    public void Linear(string name, long inFeatures, long outFeatures, InitKind weightInit = InitKind.TorchDefault, InitKind biasInit = InitKind.TorchDefault)
    {
        Parameter($"{name}.weight", [outFeatures, inFeatures], new ParameterInit(weightInit, inFeatures));
        Parameter($"{name}.bias", [outFeatures], new ParameterInit(biasInit, inFeatures));
        _factorizable.Add($"{name}.weight");
    }

    /// <summary>BatchNorm: weight (1), bias (0) and the buffers running_mean (0), running_var (1), num_batches_tracked.</summary>
    public void BatchNorm(string name, long channels)
    {
        Parameter($"{name}.weight", [channels], new ParameterInit(InitKind.Ones));
        Parameter($"{name}.bias", [channels], new ParameterInit(InitKind.Zeros));
        _buffers.Add(($"{name}.running_mean", [channels], DType.Float32, 0));
        _buffers.Add(($"{name}.running_var", [channels], DType.Float32, 1));
        _buffers.Add(($"{name}.num_batches_tracked", [], DType.Int64, 0));
    }

    /// <summary>LayerNorm: weight (1) and bias (0).</summary>
    public void LayerNorm(string name, long features)
    {
        Parameter($"{name}.weight", [features], new ParameterInit(InitKind.Ones));
        Parameter($"{name}.bias", [features], new ParameterInit(InitKind.Zeros));
    }

    public void Block(string name, bool skippable) => _blocks.Add(new ResidualBlock(name, _blocks.Count, skippable));
}
