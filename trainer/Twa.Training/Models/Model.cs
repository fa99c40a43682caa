using Twa.Torch;
using Twa.Torch.Nn;

namespace Twa.Training.Models;

/// <summary>
/// A network over the functional ops whose parameters live in ONE flat buffer (<see cref="Parameters"/>,
/// names = PyTorch state_dict names, registration order = flat order) and whose BN running statistics are
/// separate <see cref="Buffers"/>. <see cref="Training"/> selects batch statistics + dropout (train) or
/// running statistics (eval). Residual blocks can be gated (<see cref="BlockMask"/>) for RAPTR-style
/// training; <see cref="FactorizableWeights"/> lists the conv/linear weights (Cuttlefish).
/// Owns its tensors; dispose it. Not thread-safe.
/// </summary>
public abstract class Model : IDisposable
{
    private readonly Dictionary<string, Tensor> _buffers;
    private readonly string[] _bufferOrder;
    private readonly HashSet<string> _parameterNames;

    protected Model(string architecture, ModelLayout layout, long[] inputShape, int numClasses, DType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Architecture = architecture;
        InputShape = inputShape;
        NumClasses = numClasses;
        Device = device;
        Parameters = new FlatParameters(layout.Parameters, dtype, device);
        Inits = layout.Inits;
        _parameterNames = layout.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        _bufferOrder = layout.Buffers.Select(b => b.Name).ToArray();
        _buffers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = new TensorScope();
        foreach (var (name, shape, type, value) in layout.Buffers)
        {
            _buffers[name] = scope.Detach(Tensors.Full(shape, value, type == DType.Int64 ? DType.Int64 : dtype, device));
        }

        ResidualBlocks = layout.Blocks;
        FactorizableWeights = layout.Factorizable;
    }

    public string Architecture { get; }

    /// <summary>Shape of one input sample [C, H, W].</summary>
    public long[] InputShape { get; }

    public int NumClasses { get; }

    public Device Device { get; }

    public FlatParameters Parameters { get; }

    /// <summary>Initialisation rule of each parameter, in flat order.</summary>
    public IReadOnlyList<ParameterInit> Inits { get; }

    /// <summary>BN buffers in registration order (running_mean, running_var, num_batches_tracked per BN).</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Buffers => _bufferOrder.Select(n => (n, _buffers[n])).ToArray();

    public bool HasBatchNorm => _bufferOrder.Length > 0;

    /// <summary>Copies <paramref name="saved"/> into this model's buffers by name (stores and files may list them in
    /// another order). Extra saved entries are ignored.</summary>
    /// <param name="saved">Named buffers, e.g. a snapshot's.</param>
    /// <param name="source">Names the origin in errors, e.g. "snapshot 5".</param>
    /// <exception cref="InvalidOperationException">A buffer of this model is missing from <paramref name="saved"/>, or has another shape.</exception>
    public void LoadBuffers(IEnumerable<(string Name, Tensor Tensor)> saved, string source)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var byName = saved.ToDictionary(b => b.Name, b => b.Tensor, StringComparer.Ordinal);
        foreach (var name in _bufferOrder)
        {
            if (!byName.TryGetValue(name, out var value))
            {
                throw new InvalidOperationException($"{source} has no buffer '{name}' (it has: {string.Join(", ", byName.Keys.Order(StringComparer.Ordinal))}); was it saved by another architecture?");
            }

            var target = _buffers[name];
            if (!value.Shape.SequenceEqual(target.Shape))
            {
                throw new InvalidOperationException($"{source}: buffer '{name}' has shape [{string.Join(", ", value.Shape)}], the model's is [{string.Join(", ", target.Shape)}]");
            }

            target.CopyFrom(value);
        }
    }

    public IReadOnlyList<ResidualBlock> ResidualBlocks { get; }

    public IReadOnlyList<string> FactorizableWeights { get; }

    /// <summary>Train mode (batch statistics, dropout) or eval mode.</summary>
    public bool Training { get; set; } = true;

    /// <summary>BN running-statistics momentum used in train mode (a BN refresh sets b/(n+b) per batch).</summary>
    public double BatchNormMomentum { get; set; } = 0.1;

    /// <summary>Per residual block: false = skipped (identity). Null = all blocks run. Only skippable blocks may be false.</summary>
    public IReadOnlyList<bool>? BlockMask { get; set; }

    /// <summary>Per residual block output scale when kept (e.g. 1/p for stochastic depth). Null = 1.</summary>
    public IReadOnlyList<double>? BlockScale { get; set; }

    private Generator? _dropoutGenerator;
    private ulong? _dropoutSeed; // set by ReseedDropout, applied at the next dropout draw

    /// <summary>Generator of dropout masks (null = libtorch's global generator). Setting it cancels a pending
    /// <see cref="ReseedDropout"/>.</summary>
    public Generator? DropoutGenerator
    {
        get => _dropoutGenerator;
        set => (_dropoutGenerator, _dropoutSeed) = (value, null);
    }

    /// <summary>The rows of the global batch that the next forward pass computes (this rank's slice in data-parallel
    /// training); null = the input is the whole batch. Dropout draws its mask for the whole global batch and keeps
    /// these rows, so every rank draws the same masks and a sample's mask does not depend on the number of ranks.</summary>
    public DropoutRows? DropoutRows { get; set; }

    /// <summary>The next dropout draw replaces <see cref="DropoutGenerator"/> with a fresh one seeded with
    /// <paramref name="seed"/>, on the model's device (a model without dropout never creates one). Called before
    /// every training step with a seed derived from (job seed, phase, step), so the masks of a step are the same on
    /// every rank, after a resume and after a resize.</summary>
    public void ReseedDropout(ulong seed) => _dropoutSeed = seed;

    /// <summary>Logits [B, classes] for inputs [B, C, H, W]; a new tensor owned by the caller or the current scope.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Draws every parameter from its rule with <paramref name="generator"/> and resets the buffers.</summary>
    public void Initialize(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var noGrad = Autograd.NoGrad();
        for (var i = 0; i < Parameters.Slices.Count; i++)
        {
            var p = Parameters.Parameters[i];
            var rule = Inits[i];
            switch (rule.Kind)
            {
                case InitKind.TorchDefault:
                    var bound = 1.0 / Math.Sqrt(rule.FanIn);
                    p.UniformInPlace(-bound, bound, generator);
                    break;
                case InitKind.KaimingNormal:
                    p.NormalInPlace(0, Math.Sqrt(2.0 / rule.FanIn), generator);
                    break;
                case InitKind.TruncatedNormal:
                    using (var scope = new TensorScope())
                    {
                        p.CopyFrom(Tensors.Randn(p.Shape, generator, p.DType, p.Device).Clamp(-2, 2).Mul(0.02));
                    }

                    break;
                case InitKind.Zeros:
                    p.ZeroInPlace();
                    break;
                case InitKind.Ones:
                    p.FillInPlace(1);
                    break;
            }
        }

        ResetBuffers();
    }

    /// <summary>running_mean = 0, running_var = 1, num_batches_tracked = 0.</summary>
    public void ResetBuffers()
    {
        foreach (var (name, t) in _buffers)
        {
            t.FillInPlace(name.EndsWith(".running_var", StringComparison.Ordinal) ? 1 : 0);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        Parameters.Dispose();
        foreach (var t in _buffers.Values)
        {
            t.Dispose();
        }

        _dropoutGenerator?.Dispose();
    }

    protected Tensor P(string name) => Parameters[name];

    protected Tensor Conv(Tensor x, string name, long stride = 1, long padding = 0)
    {
        var biasName = $"{name}.bias";
        var bias = _parameterNames.Contains(biasName) ? P(biasName) : null;
        return Functional.Conv2d(x, P($"{name}.weight"), bias, new Conv2dOptions { Stride = stride, Padding = padding });
    }

    protected Tensor Linear(Tensor x, string name) => Functional.Linear(x, P($"{name}.weight"), P($"{name}.bias"));

    protected Tensor BatchNorm(Tensor x, string name)
    {
        if (Training)
        {
            _buffers[$"{name}.num_batches_tracked"].AddInPlace(1);
        }

        return Functional.BatchNorm(x, _buffers[$"{name}.running_mean"], _buffers[$"{name}.running_var"],
            P($"{name}.weight"), P($"{name}.bias"), Training, BatchNormMomentum);
    }

    protected Tensor LayerNorm(Tensor x, string name) =>
        Functional.LayerNorm(x, [x.Size(-1)], P($"{name}.weight"), P($"{name}.bias"));

    /// <summary>Inverted dropout with <see cref="DropoutGenerator"/>. With <see cref="DropoutRows"/> set to a slice of a
    /// larger batch, the mask is drawn for the whole batch (the same stream as a one-rank run) and narrowed to the slice,
    /// so the slice's masks are bitwise those the same samples get in a one-rank run.</summary>
    protected Tensor Dropout(Tensor x, double p)
    {
        if (Training && p > 0 && p < 1 && _dropoutSeed is { } seed)
        {
            var fresh = new Generator(seed, Device);
            _dropoutGenerator?.Dispose();
            (_dropoutGenerator, _dropoutSeed) = (fresh, null);
        }

        if (!Training || p <= 0 || p >= 1 || DropoutRows is not { } rows || rows.Global == x.Size(0))
        {
            return Functional.Dropout(x, p, Training, DropoutGenerator);
        }

        var shape = x.Shape.ToArray();
        shape[0] = rows.Global;
        Tensor mask;
        using (Autograd.NoGrad())
        {
            mask = Tensors.Empty(shape, x.DType, x.Device).BernoulliInPlace(1 - p, DropoutGenerator).Narrow(0, rows.Offset, x.Size(0)).Div(1 - p);
        }

        return x.Mul(mask);
    }

    /// <summary>Residual block <paramref name="index"/>: shortcut(x) + scale·branch(x) (then ReLU when
    /// <paramref name="reluAfter"/>), or x unchanged when <see cref="BlockMask"/> skips it.</summary>
    protected Tensor Residual(int index, Tensor x, Func<Tensor, Tensor> branch, Func<Tensor, Tensor>? shortcut = null, bool reluAfter = false)
    {
        ArgumentNullException.ThrowIfNull(branch);
        if (BlockMask is { } mask && !mask[index])
        {
            if (!ResidualBlocks[index].Skippable)
            {
                throw new InvalidOperationException($"residual block {ResidualBlocks[index].Name} changes the shape and cannot be skipped");
            }

            return x.Alias();
        }

        var scale = BlockScale?[index] ?? 1.0;
        var y = (shortcut?.Invoke(x) ?? x).Add(branch(x), scale);
        return reluAfter ? y.Relu() : y;
    }
}

/// <summary>Rows [<see cref="Offset"/>, <see cref="Offset"/> + n) of a global batch of <see cref="Global"/> rows (<see cref="Model.DropoutRows"/>).</summary>
public readonly record struct DropoutRows(long Global, long Offset);
