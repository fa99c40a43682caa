namespace Twa.Torch.Nn;

/// <summary>How a loss reduces over the batch. Values equal libtorch's at::Reduction.</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}
