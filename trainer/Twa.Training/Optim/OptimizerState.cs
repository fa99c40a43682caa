using Twa.Torch;

namespace Twa.Training.Optim;

/// <summary>Helpers for optimizer state tensors.</summary>
internal static class OptimizerState
{
    /// <summary><paramref name="state"/> on the device of <paramref name="parameters"/>: itself when it is already there
    /// (or null), else a copy there, with <paramref name="state"/> disposed. State restored from a store is read on the
    /// host; the parameters of a CUDA run live on the GPU.</summary>
    public static Tensor? OnDeviceOf(Tensor? state, Tensor parameters)
    {
        if (state is null || state.Device == parameters.Device)
        {
            return state;
        }

        var moved = state.To(parameters.Device);
        TensorScope.Current?.Detach(moved);
        state.Dispose();
        return moved;
    }
}
