using Twa.Torch.Native;

namespace Twa.Torch;

/// <summary>Functional autograd (torch.autograd.grad) and the thread-local grad mode.</summary>
public static class Autograd
{
    /// <summary>Disables gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope NoGrad() => new(enabled: false);

    /// <summary>Enables gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope EnableGrad() => new(enabled: true);

    public static bool IsGradEnabled => NativeMethods.twa_autograd_is_grad_enabled() != 0;

    /// <summary>Gradients of <paramref name="output"/> w.r.t. each input; an entry is null for an unused input
    /// when <paramref name="allowUnused"/>. With <paramref name="createGraph"/> the gradients are differentiable.</summary>
    public static unsafe Tensor?[] Grad(Tensor output, IReadOnlyList<Tensor> inputs, Tensor? gradOutput = null,
        bool retainGraph = false, bool createGraph = false, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(inputs);
        var ptrs = Tensor.AddRefAll(inputs, out var added);
        var results = new IntPtr[inputs.Count];
        try
        {
            int status;
            fixed (IntPtr* pin = ptrs)
            fixed (IntPtr* pout = results)
            {
                status = NativeMethods.twa_autograd_grad_of(output.Handle, Tensor.HandleOf(gradOutput), pin, ptrs.Length,
                    Tensor.Flag(retainGraph || createGraph), Tensor.Flag(createGraph), Tensor.Flag(allowUnused), pout);
            }

            Status.Check(status);
            var grads = new Tensor?[results.Length];
            for (var i = 0; i < results.Length; i++)
            {
                grads[i] = results[i] == IntPtr.Zero ? null : new Tensor(Tensor.AdoptRaw(results[i]));
            }

            return grads;
        }
        finally
        {
            Tensor.ReleaseAll(inputs, added);
        }
    }
}
