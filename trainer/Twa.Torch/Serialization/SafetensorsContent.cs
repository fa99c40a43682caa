namespace Twa.Torch.Serialization;

/// <summary>Every tensor of a safetensors file plus its metadata, as returned by <see cref="SafetensorsFile.Read"/>.
/// The content owns its tensors (they belong to no <see cref="TensorScope"/>): disposing it disposes them all, so
/// keep one past that with <see cref="Tensor.Alias"/>. Not thread-safe for disposal; reading the collections is.</summary>
public sealed class SafetensorsContent : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    internal SafetensorsContent(IReadOnlyList<string> names, Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Names = names;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensor names in the order their data appears in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>The "__metadata__" strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor named <paramref name="name"/> (owned by this content).</summary>
    public Tensor this[string name] => _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no tensor named '{name}'");

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var t in _tensors.Values)
        {
            t.Dispose();
        }
    }
}
