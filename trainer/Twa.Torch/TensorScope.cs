namespace Twa.Torch;

/// <summary>
/// Owns every tensor created on this thread while it is the innermost scope, and disposes them when
/// it is disposed - so training loops free their temporaries deterministically instead of waiting for
/// the GC. Keep a result alive past the scope with <see cref="Detach"/> (caller owns it) or
/// <see cref="MoveToOuter"/>. Scopes nest and must be disposed innermost first, on the thread that
/// created them.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly TensorScope? _parent;
    private readonly List<Tensor> _owned = [];
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private bool _disposed;

    public TensorScope()
    {
        _parent = t_current;
        t_current = this;
    }

    /// <summary>The innermost scope of the calling thread, or null.</summary>
    public static TensorScope? Current => t_current;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _owned.Count(t => ReferenceEquals(t.Owner, this));

    internal static void Register(Tensor tensor)
    {
        var scope = t_current;
        if (scope is null)
        {
            return;
        }

        tensor.Owner = scope;
        scope._owned.Add(tensor);
    }

    /// <summary>Releases <paramref name="tensor"/> from this scope: the caller now owns it.</summary>
    public Tensor Detach(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(tensor.Owner, this))
        {
            tensor.Owner = null;
        }

        return tensor;
    }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope (or to the caller when there is none).</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        Detach(tensor);
        if (_parent is not null)
        {
            tensor.Owner = _parent;
            _parent._owned.Add(tensor);
        }

        return tensor;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (Environment.CurrentManagedThreadId != _threadId || !ReferenceEquals(t_current, this))
        {
            throw new InvalidOperationException("tensor scopes must be disposed innermost first, on the thread that created them");
        }

        _disposed = true;
        t_current = _parent;
        foreach (var tensor in _owned)
        {
            if (ReferenceEquals(tensor.Owner, this))
            {
                tensor.Owner = null;
                tensor.Dispose();
            }
        }

        _owned.Clear();
    }
}
