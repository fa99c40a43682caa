using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>A random generator with an explicit seed; pass it to random ops for reproducible streams that
/// do not depend on other users of the global generator. Not thread-safe.</summary>
public sealed class Generator : IDisposable
{
    private readonly GeneratorHandle _handle;

    public Generator(ulong seed, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        var status = NativeMethods.twa_generator_new(seed, (int)d.Type, d.Index, out _handle);
        if (status != Status.Ok)
        {
            _handle.Dispose();
            Status.Check(status);
        }

        Seed = seed;
    }

    public ulong Seed { get; }

    internal GeneratorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    internal static GeneratorHandle HandleOf(Generator? g) => g is null ? GeneratorHandle.Null : g.Handle;

    /// <summary>The generator's full state as a u8 tensor (save it to resume the stream exactly).</summary>
    public Tensor GetState() => Tensor.Wrap(NativeMethods.twa_generator_get_state(Handle, out var r), r);

    public void SetState(Tensor state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Status.Check(NativeMethods.twa_generator_set_state(Handle, state.Handle));
    }

    public void Dispose() => _handle.Dispose();
}
