namespace Twa.Torch.Distributed;

/// <summary>
/// A snapshot of the counters of one collective (see <see cref="CollectiveStats"/>).
/// </summary>
/// <param name="Calls">Collectives that completed successfully.</param>
/// <param name="Failures">Collectives that failed with a <see cref="DistributedException"/> (peer lost, timeout);
/// calls rejected for bad arguments are not counted at all.</param>
/// <param name="BytesSent">Payload bytes this rank wrote to its peers for the successful calls (transport headers
/// excluded), per the formulas on <see cref="CollectiveStats"/>.</param>
/// <param name="Seconds">Wall-clock seconds spent in the successful calls, including waiting for slower peers.</param>
public readonly record struct CollectiveCounters(long Calls, long Failures, long BytesSent, double Seconds);
