namespace Twa.Torch.Nn;

/// <summary>
/// A model's parameters allocated as views of ONE contiguous 1-D buffer <see cref="Flat"/> (D elements), and their
/// gradients as views of one buffer <see cref="FlatGrad"/>, so snapshots, projections and collectives work on the
/// whole model without copies. Each parameter is an ordinary leaf tensor (requires_grad) whose data is
/// <c>Flat.Narrow(0, offset, numel).View(shape)</c> (libtorch set_data) and whose .grad is the same view of
/// <see cref="FlatGrad"/>: backward accumulates into <see cref="FlatGrad"/> in place, and writing
/// <see cref="Flat"/> (e.g. <c>Flat.CopyFrom(w)</c>) changes what the model computes. Parameters are laid out
/// in the order given, without padding; both buffers start zeroed.
/// <para>Ownership: this object owns <see cref="Flat"/>, <see cref="FlatGrad"/> and the parameter tensors (none of
/// them belongs to a <see cref="TensorScope"/>); do not dispose them individually. Dispose this object when the
/// model is no longer used.</para>
/// <para>Caveats: never set a parameter's gradient to null (autograd would then allocate a fresh, unaliased one) -
/// use <see cref="ZeroGrad"/>. In-place writes to <see cref="Flat"/> between a forward pass and its backward are not
/// detected by autograd's version check. Not thread-safe: like tensors, use it from one thread at a time.</para>
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private readonly Tensor _flat;
    private readonly Tensor _flatGrad;
    private readonly Tensor[] _parameters;
    private readonly Dictionary<string, int> _indexByName;
    private bool _disposed;

    /// <summary>Allocates the buffers (dtype <paramref name="dtype"/>, a floating-point type, on
    /// <paramref name="device"/>, CPU when null) and one leaf parameter per spec, in order.</summary>
    /// <exception cref="ArgumentException">A name is empty or repeated, a dimension is negative, or the dtype is not
    /// floating point.</exception>
    public FlatParameters(IReadOnlyList<ParameterSpec> specs, DType dtype = DType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (!dtype.IsFloatingPoint())
        {
            throw new ArgumentException($"parameters need a floating-point dtype, not {dtype}", nameof(dtype));
        }

        var slices = new ParameterSlice[specs.Count];
        _indexByName = new Dictionary<string, int>(specs.Count, StringComparer.Ordinal);
        long offset = 0;
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i] ?? throw new ArgumentException($"spec {i} is null", nameof(specs));
            if (string.IsNullOrEmpty(spec.Name) || !_indexByName.TryAdd(spec.Name, i))
            {
                throw new ArgumentException($"parameter names must be non-empty and unique: '{spec.Name}' (spec {i})", nameof(specs));
            }

            var shape = spec.Shape?.ToArray() ?? throw new ArgumentException($"parameter '{spec.Name}' has no shape", nameof(specs));
            if (shape.Any(d => d < 0))
            {
                throw new ArgumentException($"parameter '{spec.Name}' has a negative dimension: [{string.Join(", ", shape)}]", nameof(specs));
            }

            var numel = spec.NumElements;
            slices[i] = new ParameterSlice(spec.Name, shape, offset, numel);
            offset = checked(offset + numel);
        }

        Slices = slices;
        NumElements = offset;
        DType = dtype;
        Device = device ?? Device.Cpu;

        // Every tensor made here (including the narrow/view temporaries) is disposed by the scope unless detached
        // below, so a failure half-way leaks nothing.
        using var scope = new TensorScope();
        var flat = Tensors.Zeros([offset], dtype, Device);
        var flatGrad = Tensors.Zeros([offset], dtype, Device);
        var parameters = new Tensor[slices.Length];
        for (var i = 0; i < slices.Length; i++)
        {
            var s = slices[i];
            var shape = (long[])s.Shape;
            var p = Tensors.Empty(shape, dtype, Device, requiresGrad: true);
            p.SetData(flat.Narrow(0, s.Offset, s.NumElements).View(shape));
            p.SetGrad(flatGrad.Narrow(0, s.Offset, s.NumElements).View(shape));
            parameters[i] = p;
        }

        _flat = scope.Detach(flat);
        _flatGrad = scope.Detach(flatGrad);
        foreach (var p in parameters)
        {
            scope.Detach(p);
        }

        _parameters = parameters;
    }

    /// <summary>All parameters as one contiguous 1-D tensor of <see cref="NumElements"/> elements (not requiring
    /// grad). Owned by this object.</summary>
    public Tensor Flat => Alive(_flat);

    /// <summary>All gradients as one contiguous 1-D tensor, aliased by every parameter's .grad. Owned by this
    /// object.</summary>
    public Tensor FlatGrad => Alive(_flatGrad);

    /// <summary>D, the total number of parameter elements.</summary>
    public long NumElements { get; }

    public DType DType { get; }

    public Device Device { get; }

    /// <summary>Name, shape, offset and element count of every parameter, in layout order.</summary>
    public IReadOnlyList<ParameterSlice> Slices { get; }

    /// <summary>The parameter leaves (requires_grad), in layout order. Owned by this object.</summary>
    public IReadOnlyList<Tensor> Parameters => Alive(_parameters);

    /// <summary>(state_dict name, parameter) pairs in layout order, e.g. for
    /// <see cref="Serialization.SafetensorsFile.Write(string, IReadOnlyList{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> NamedParameters =>
        Alive(_parameters).Select((p, i) => (Slices[i].Name, p)).ToList();

    /// <summary>The parameter named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> when unknown.</summary>
    public Tensor this[string name] => Alive(_parameters)[IndexOf(name)];

    /// <summary>Layout index of <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> when unknown.</summary>
    public int IndexOf(string name) =>
        _indexByName.TryGetValue(name, out var i) ? i : throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>Zeroes <see cref="FlatGrad"/> in place; every parameter's .grad stays aliased to it, so the next
    /// backward accumulates into it again.</summary>
    public void ZeroGrad() => Alive(_flatGrad).ZeroInPlace();

    /// <summary>Disposes the parameters and both buffers. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var p in _parameters)
        {
            p.Dispose();
        }

        _flat.Dispose();
        _flatGrad.Dispose();
    }

    private T Alive<T>(T value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return value;
    }
}
