using Twa.Torch.Native;

namespace Twa.Torch;

public sealed partial class Tensor
{
    /// <summary>Converts dtype and/or device; without <paramref name="copy"/> the result may share storage when nothing changes.</summary>
    public Tensor To(DType dtype, Device device, bool copy = false) =>
        Wrap(NativeMethods.twa_tensor_to(Handle, (int)dtype, (int)device.Type, device.Index, Flag(copy), out var r), r);

    public Tensor To(DType dtype) => To(dtype, Device);

    public Tensor To(Device device) => To(DType, device);

    public Tensor Contiguous() => Wrap(NativeMethods.twa_tensor_contiguous(Handle, out var r), r);

    /// <summary>A copy with its own storage (differentiable).</summary>
    public Tensor Clone() => Wrap(NativeMethods.twa_tensor_clone(Handle, out var r), r);

    /// <summary>A second handle to the same tensor (same autograd identity), with its own lifetime.</summary>
    public Tensor Alias() => Wrap(NativeMethods.twa_tensor_alias(Handle, out var r), r);

    /// <summary>Fills in place with Bernoulli(p) samples.</summary>
    public Tensor BernoulliInPlace(double p, Generator? generator = null)
    {
        Status.Check(NativeMethods.twa_tensor_bernoulli_(Handle, p, Generator.HandleOf(generator)));
        return this;
    }

    public Tensor UniformInPlace(double low = 0, double high = 1, Generator? generator = null)
    {
        Status.Check(NativeMethods.twa_tensor_uniform_(Handle, low, high, Generator.HandleOf(generator)));
        return this;
    }

    public Tensor NormalInPlace(double mean = 0, double std = 1, Generator? generator = null)
    {
        Status.Check(NativeMethods.twa_tensor_normal_(Handle, mean, std, Generator.HandleOf(generator)));
        return this;
    }
}
