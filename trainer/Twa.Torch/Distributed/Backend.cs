namespace Twa.Torch.Distributed;

/// <summary>The c10d transport of a <see cref="ProcessGroup"/>. Values equal the backend codes of twa_pg_new.</summary>
public enum Backend
{
    /// <summary>Gloo over TCP: CPU tensors, available in every build.</summary>
    Gloo = 0,

    /// <summary>NCCL: CUDA tensors; only in shims built against a CUDA libtorch (see <see cref="LibTorch.IsNcclAvailable"/>).</summary>
    Nccl = 1,
}
