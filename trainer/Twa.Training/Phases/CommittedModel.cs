using Twa.Torch;
using Twa.Training.Models;
using Twa.Training.Stores;

namespace Twa.Training.Phases;

/// <summary>What a commit carries of the model beside its weights (base training) or coefficients (TWA): the BN
/// buffers, as tensors named <see cref="CommittedState.BufferPrefix"/> + buffer name, and the state of the dropout
/// generator as <see cref="CommittedState.RngState"/>. Restoring both makes a resumed run evaluate with the same
/// running statistics as the uninterrupted run and continue the same generator stream (training steps reseed the
/// generator from (seed, phase, step) anyway, see <see cref="BatchStep.DropoutSeed"/>, so their masks never depend on
/// it).</summary>
internal static class CommittedModel
{
    /// <summary>The model's BN buffers under their committed names (the model's own tensors, not copies).</summary>
    public static IEnumerable<(string Name, Tensor Tensor)> Buffers(Model model) =>
        model.Buffers.Select(b => (CommittedState.BufferPrefix + b.Name, b.Tensor));

    /// <summary>The dropout generator's full state (empty when the model has none).</summary>
    public static byte[] RngState(Model model)
    {
        if (model.DropoutGenerator is not { } generator)
        {
            return [];
        }

        using var scope = new TensorScope();
        return generator.GetState().ToArray<byte>();
    }

    /// <summary>Copies the committed BN buffers into the model and sets its dropout generator to the committed state
    /// (left alone when the commit holds none). A buffer missing from a commit read from a store throws
    /// <see cref="StoreCorruptException"/> naming its location and the buffer (see <see cref="CommittedState"/>'s indexer).</summary>
    public static void Restore(Model model, CommittedState content)
    {
        using var scope = new TensorScope();
        using (Autograd.NoGrad())
        {
            foreach (var (name, tensor) in model.Buffers)
            {
                tensor.CopyFrom(content[CommittedState.BufferPrefix + name]);
            }
        }

        if (model.DropoutGenerator is { } generator && !content.RngState.IsEmpty)
        {
            generator.SetState(Tensors.FromArray<byte>(content.RngState.Span));
        }
    }
}
