namespace Twa.Torch.Distributed;

/// <summary>The collectives of a <see cref="ProcessGroup"/>, as the keys of <see cref="CollectiveStats"/>.</summary>
public enum CollectiveOp
{
    AllReduce = 0,
    ReduceScatter = 1,
    AllGather = 2,
    Broadcast = 3,
    Barrier = 4,
}
