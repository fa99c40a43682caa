using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>Sets libtorch's thread-local grad mode and restores the previous mode on dispose.</summary>
public sealed class GradModeScope : IDisposable
{
    private readonly bool _previous;
    private bool _disposed;

    internal GradModeScope(bool enabled)
    {
        Status.Check(NativeMethods.twa_autograd_set_grad_enabled(Tensor.Flag(enabled), out var previous));
        _previous = previous != 0;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Status.Check(NativeMethods.twa_autograd_set_grad_enabled(Tensor.Flag(_previous), out _));
    }
}
