using Twa.Torch.Native;

namespace Twa.Torch;

public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor (settable on leaves).</summary>
    public bool RequiresGrad
    {
        get
        {
            Status.Check(NativeMethods.twa_autograd_requires_grad(Handle, out var v));
            return v != 0;
        }
        set => Status.Check(NativeMethods.twa_autograd_set_requires_grad(Handle, Flag(value)));
    }

    /// <summary>The accumulated gradient of a leaf as a new handle to the same storage, or null when none.</summary>
    public Tensor? Grad => WrapOptional(NativeMethods.twa_autograd_grad(Handle, out var r), r);

    /// <summary>Makes <paramref name="gradient"/> this leaf's .grad (aliased: backward accumulates into its
    /// storage in place); null removes it. Shape, dtype and device must match.</summary>
    public void SetGrad(Tensor? gradient) => Status.Check(NativeMethods.twa_autograd_set_grad(Handle, HandleOf(gradient)));

    /// <summary>Makes this tensor view <paramref name="data"/>'s storage while keeping its autograd identity
    /// (libtorch's set_data). Shapes must match.</summary>
    public void SetData(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Status.Check(NativeMethods.twa_autograd_set_data(Handle, data.Handle));
    }

    /// <summary>Runs backward from this tensor (a scalar, or pass <paramref name="gradOutput"/>), accumulating into leaves' .grad.</summary>
    public void Backward(Tensor? gradOutput = null, bool retainGraph = false) =>
        Status.Check(NativeMethods.twa_autograd_backward(Handle, HandleOf(gradOutput), Flag(retainGraph)));

    /// <summary>A new tensor sharing storage but cut from the autograd graph.</summary>
    public Tensor Detach() => Wrap(NativeMethods.twa_tensor_detach(Handle, out var r), r);
}
