using System.Globalization;
using Twa.Torch;

namespace Twa.Training.Stores;

/// <summary>
/// One committed training state: named tensors (by convention <see cref="CoefficientsName"/>,
/// <see cref="ParametersName"/>, <see cref="OptimizerPrefix"/> + moment name, <see cref="BufferPrefix"/> + BN
/// buffer name), the step, the data position (epoch and batches done in it), the RNG state bytes, the membership
/// generation and free-form metadata strings. A state built by the caller does not own its tensors and
/// <see cref="Dispose"/> leaves them alone; a state returned by <see cref="IStateStore.ReadLatest"/> owns them and
/// <see cref="Dispose"/> frees them. Not thread-safe for disposal; reading from several threads is fine.
/// </summary>
public sealed class CommittedState : IDisposable
{
    public const string CoefficientsName = "coefficients";
    public const string ParametersName = "params";
    public const string OptimizerPrefix = "optimizer.";
    public const string BufferPrefix = "buffer.";

    private bool _ownsTensors;

    /// <summary>Membership generation the state was produced in; a slot refuses commits older than its latest.</summary>
    public long Generation { get; init; }

    /// <summary>Optimizer steps done (global, not per rank).</summary>
    public long Step { get; init; }

    /// <summary>Data position: the epoch in progress (0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>Data position: global batches of <see cref="Epoch"/> already done.</summary>
    public int Batch { get; init; }

    /// <summary>Serialized RNG state (opaque bytes; empty when none).</summary>
    public ReadOnlyMemory<byte> RngState { get; init; }

    /// <summary>The tensors, in commit order; names are unique.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Tensors { get; init; } = [];

    /// <summary>Free-form strings (e.g. "arch"); keys starting with "twa." are reserved for the store.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The commit's sequence number in its slot (set on states read from a store; 0 otherwise).</summary>
    public long Sequence { get; init; }

    /// <summary>Where the state was read from (the file, or the Redis key of the version) on states returned by
    /// <see cref="IStateStore.ReadLatest"/>; empty on states built by the caller.</summary>
    public string Location { get; init; } = "";

    /// <summary>The tensor named <paramref name="name"/>. A name the state lacks is a <see cref="StoreCorruptException"/>
    /// naming <see cref="Location"/> on a state read from a store (the commit is damaged or not this model's), a
    /// <see cref="KeyNotFoundException"/> on one built by the caller; both list the names held.</summary>
    public Tensor this[string name] =>
        Tensors.FirstOrDefault(t => t.Name == name).Tensor ?? throw Missing($"no tensor '{name}' (it holds: {string.Join(", ", Tensors.Select(t => t.Name))})");

    /// <summary>The metadata value of <paramref name="key"/>; a missing key throws like a missing tensor (see the
    /// indexer).</summary>
    public string MetadataValue(string key) => Metadata.TryGetValue(key, out var value) ? value : throw Missing($"no metadata '{key}'");

    public bool Contains(string name) => Tensors.Any(t => t.Name == name);

    private Exception Missing(string what) => Location.Length > 0
        ? new StoreCorruptException(Location, $"the committed state has {what}: it is damaged or was not written by this job; delete it to start over", null)
        : new KeyNotFoundException($"the committed state has {what}");

    public void Dispose()
    {
        if (!_ownsTensors)
        {
            return;
        }

        _ownsTensors = false;
        foreach (var (_, t) in Tensors)
        {
            t.Dispose();
        }
    }

    /// <summary>Marks the tensors as owned by this state (states read from a store).</summary>
    internal CommittedState Owning()
    {
        _ownsTensors = true;
        foreach (var (_, t) in Tensors)
        {
            TensorScope.Current?.Detach(t);
        }

        return this;
    }

    internal static void CheckSlot(string slot)
    {
        ArgumentException.ThrowIfNullOrEmpty(slot);
        if (slot.Length > 64 || !slot.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"state slot '{slot}' must be 1-64 letters, digits, '-', '_' or '.'", nameof(slot));
        }
    }

    internal void Validate()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in Tensors)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(Tensors));
            ArgumentNullException.ThrowIfNull(tensor, nameof(Tensors));
            if (!seen.Add(name))
            {
                throw new ArgumentException($"the committed state names tensor '{name}' twice", nameof(Tensors));
            }
        }

        StoreMetadata.CheckUserKeys(Metadata, "committed state metadata");
        if (Step < 0 || Epoch < 0 || Batch < 0 || Generation < 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"step ({Step}), epoch ({Epoch}), batch ({Batch}) and generation ({Generation}) must be >= 0"));
        }
    }
}
